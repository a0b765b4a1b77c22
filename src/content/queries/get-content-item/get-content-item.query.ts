import { Query } from '@nestjs/cqrs';
import type { ContentItemView } from '../../content.views.js';

export class GetContentItemQuery extends Query<ContentItemView> {
  constructor(readonly id: string) {
    super();
  }
}
