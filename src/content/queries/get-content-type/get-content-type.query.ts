import { Query } from '@nestjs/cqrs';
import type { ContentTypeView } from '../../content.views.js';

export class GetContentTypeQuery extends Query<ContentTypeView> {
  constructor(readonly developerName: string) {
    super();
  }
}
