import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { ContentItemNotFoundError } from '../../content.errors.js';
import { toContentItemView, type ContentItemView } from '../../content.views.js';
import { ContentItemRepository } from '../../storage/content-item.repository.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { GetContentItemQuery } from './get-content-item.query.js';

@QueryHandler(GetContentItemQuery)
export class GetContentItemHandler implements IQueryHandler<GetContentItemQuery> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
  ) {}

  async execute({ id }: GetContentItemQuery): Promise<ContentItemView> {
    const item = await this.items.findById(id);
    const type = item && (await this.types.findById(item.contentTypeId));
    if (!item || !type) throw new ContentItemNotFoundError(id);
    return toContentItemView(item, type);
  }
}
