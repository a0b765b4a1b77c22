import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskQueue } from '../../../background-tasks/index.js';
import { InvalidItemQueryError } from '../../content.errors.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { itemSortFor } from '../../storage/item-sort.js';
import { ExportContentItemsTask } from '../../tasks/export-content-items.task.js';
import { ExportContentItemsCommand } from './export-content-items.command.js';

/** A file name that says what and when: articles-20261123-101500.csv. */
function exportFileName(developerName: string, at: Date): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${developerName}-${stamp}.csv`;
}

/** Checks the export's options against the content type now, so that a mistake is a 400 and not a failed task. */
@CommandHandler(ExportContentItemsCommand)
export class ExportContentItemsHandler implements ICommandHandler<ExportContentItemsCommand> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly queue: BackgroundTaskQueue,
  ) {}

  async execute({
    contentType,
    options,
    requestedBy,
  }: ExportContentItemsCommand): Promise<{ taskId: string }> {
    const type = await this.types.require(contentType);
    const orderBy = options.orderBy ?? 'createdAt';
    itemSortFor(type, orderBy);
    const known = new Set(type.fields.map((field) => field.developerName));
    const unknown = (options.fields ?? []).filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new InvalidItemQueryError(`fields ${unknown.join(', ')} are not fields of ${type.developerName}`);
    }
    const wanted = new Set(options.fields ?? known);
    const taskId = await this.queue.enqueue(
      ExportContentItemsTask,
      {
        contentTypeId: type.id,
        search: options.search?.toLowerCase() || undefined,
        orderBy,
        direction: options.direction ?? 'asc',
        fields: type.fields.map((field) => field.developerName).filter((name) => wanted.has(name)),
        fileName: exportFileName(type.developerName, new Date()),
      },
      { createdBy: requestedBy.name },
    );
    return { taskId };
  }
}
