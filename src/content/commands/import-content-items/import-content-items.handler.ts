import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskQueue, TaskFiles } from '../../../background-tasks/index.js';
import { UnitOfWork } from '../../../database/unit-of-work.js';
import { InvalidImportFileError } from '../../content.errors.js';
import { CsvFileError, readCsvRecords } from '../../csv/csv-records.js';
import { importColumns } from '../../csv/import-columns.js';
import type { ContentType } from '../../model/content-type.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { ImportContentItemsTask, UPLOAD_FILE } from '../../tasks/import-content-items.task.js';
import { ImportContentItemsCommand } from './import-content-items.command.js';

/** How much of an upload is checked before answering: enough for the header and the first rows, fast. */
const CHECKED_BEFORE_ACCEPTING = 1024 * 1024;

/**
 * Accepts an import: checks the start of the file at once (a wrong header, encoding or quoting there is a
 * 400 and nothing is enqueued), then enqueues the task and moves the upload into the task's directory in
 * one transaction, so that no worker can claim the task before its file is in place.
 */
/** The concurrency key of imports into one content type: one runs at a time (ImportContentItemsTask). */
export const importKeyOf = (contentTypeId: string) => `type:${contentTypeId}`;

@CommandHandler(ImportContentItemsCommand)
export class ImportContentItemsHandler implements ICommandHandler<ImportContentItemsCommand> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly queue: BackgroundTaskQueue,
    private readonly files: TaskFiles,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute({
    contentType,
    mode,
    upload,
    requestedBy,
  }: ImportContentItemsCommand): Promise<{ taskId: string }> {
    try {
      const type = await this.types.require(contentType);
      await checkStartOf(upload.path, type);
      const taskId = await this.unitOfWork.run(async (manager) => {
        const id = await this.queue.enqueue(
          ImportContentItemsTask,
          { contentTypeId: type.id, mode, originalFileName: upload.originalName.slice(0, 200) },
          { createdBy: requestedBy.name, manager, concurrencyKey: importKeyOf(type.id) },
        );
        await rename(upload.path, join(await this.files.ensureDirectory(id), UPLOAD_FILE));
        return id;
      });
      return { taskId };
    } finally {
      await rm(upload.path, { force: true }); // gone already when it was moved
    }
  }
}

async function checkStartOf(path: string, type: ContentType): Promise<void> {
  let sawHeader = false;
  try {
    for await (const record of readCsvRecords(path)) {
      if (record.row === 1) importColumns(type, record.cells);
      sawHeader = true;
      if (record.bytesRead > CHECKED_BEFORE_ACCEPTING) break;
    }
  } catch (error) {
    if (error instanceof CsvFileError) throw new InvalidImportFileError(error.message);
    throw error;
  }
  if (!sawHeader) throw new InvalidImportFileError('Line 1: the file is empty; it needs a header row');
}
