import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '../../../database/unit-of-work.js';
import { ContentItemNotFoundError } from '../../content.errors.js';
import { ContentItemRepository } from '../../storage/content-item.repository.js';
import { DeleteContentItemCommand } from './delete-content-item.command.js';

@CommandHandler(DeleteContentItemCommand)
export class DeleteContentItemHandler implements ICommandHandler<DeleteContentItemCommand> {
  constructor(
    private readonly items: ContentItemRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute({ id }: DeleteContentItemCommand): Promise<void> {
    const deleted = await this.unitOfWork.run((manager) => this.items.delete(id, manager));
    if (!deleted) throw new ContentItemNotFoundError(id);
  }
}
