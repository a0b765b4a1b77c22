import { Query } from '@nestjs/cqrs';
import type { ContentItemView } from '../../content.views.js';

export interface ContentItemPage {
  readonly items: ContentItemView[];
  readonly nextCursor: string | null;
}

export class ListContentItemsQuery extends Query<ContentItemPage> {
  constructor(
    readonly contentType: string,
    readonly search: string | undefined,
    readonly orderBy: string | undefined,
    readonly direction: 'asc' | 'desc',
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
