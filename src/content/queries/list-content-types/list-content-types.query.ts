import { Query } from '@nestjs/cqrs';
import type { ContentTypeView } from '../../content.views.js';

export class ListContentTypesQuery extends Query<ContentTypeView[]> {}
