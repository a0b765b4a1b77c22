import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { uuidv7 } from '../../../shared/uuid-v7.js';
import { UnitOfWork } from '../../../database/unit-of-work.js';
import { InvalidContentValuesError } from '../../content.errors.js';
import { toContentItemView, type ContentItemView } from '../../content.views.js';
import { checkValues, searchTextOf } from '../../model/field-values.js';
import { ContentItemRepository } from '../../storage/content-item.repository.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { CreateContentItemCommand } from './create-content-item.command.js';

@CommandHandler(CreateContentItemCommand)
export class CreateContentItemHandler implements ICommandHandler<CreateContentItemCommand> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(command: CreateContentItemCommand): Promise<ContentItemView> {
    const type = await this.types.require(command.contentType);
    const checked = checkValues(type, command.values);
    if (!checked.ok) throw new InvalidContentValuesError(checked.problems);
    const now = new Date();
    const item = {
      id: uuidv7(),
      contentTypeId: type.id,
      values: checked.values,
      createdAt: now,
      updatedAt: now,
    };
    await this.unitOfWork.run((manager) =>
      this.items.insert({ ...item, searchText: searchTextOf(type, item.values) }, manager),
    );
    return toContentItemView(item, type);
  }
}
