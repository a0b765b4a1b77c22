import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '../../../database/unit-of-work.js';
import { ContentItemNotFoundError, InvalidContentValuesError } from '../../content.errors.js';
import { toContentItemView, type ContentItemView } from '../../content.views.js';
import { checkValues, searchTextOf } from '../../model/field-values.js';
import { ContentItemRepository } from '../../storage/content-item.repository.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { UpdateContentItemCommand } from './update-content-item.command.js';

@CommandHandler(UpdateContentItemCommand)
export class UpdateContentItemHandler implements ICommandHandler<UpdateContentItemCommand> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute({ id, values }: UpdateContentItemCommand): Promise<ContentItemView> {
    const item = await this.items.findById(id);
    const type = item && (await this.types.findById(item.contentTypeId));
    if (!item || !type) throw new ContentItemNotFoundError(id);
    const checked = checkValues(type, values);
    if (!checked.ok) throw new InvalidContentValuesError(checked.problems);
    const updatedAt = new Date();
    const row = { id, values: checked.values, searchText: searchTextOf(type, checked.values), updatedAt };
    const updated = await this.unitOfWork.run((manager) => this.items.update(row, manager));
    if (!updated) throw new ContentItemNotFoundError(id);
    return toContentItemView({ ...item, values: checked.values, updatedAt }, type);
  }
}
