import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { toContentItemView } from '../../content.views.js';
import { ContentItemRepository } from '../../storage/content-item.repository.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { itemSortFor } from '../../storage/item-sort.js';
import { decodeItemCursor, encodeItemCursor } from './item-cursor.js';
import { ListContentItemsQuery, type ContentItemPage } from './list-content-items.query.js';

@QueryHandler(ListContentItemsQuery)
export class ListContentItemsHandler implements IQueryHandler<ListContentItemsQuery> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly items: ContentItemRepository,
  ) {}

  async execute(query: ListContentItemsQuery): Promise<ContentItemPage> {
    const type = await this.types.require(query.contentType);
    const rows = await this.items.page({
      contentTypeId: type.id,
      search: query.search?.toLowerCase() || undefined,
      sort: itemSortFor(type, query.orderBy),
      direction: query.direction,
      after: query.cursor === undefined ? undefined : decodeItemCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => toContentItemView(row.item, type)),
      nextCursor:
        rows.length > query.limit && last ? encodeItemCursor({ key: last.sortKey, id: last.item.id }) : null,
    };
  }
}
