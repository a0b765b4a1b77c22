import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { toContentTypeView, type ContentTypeView } from '../../content.views.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { ListContentTypesQuery } from './list-content-types.query.js';

@QueryHandler(ListContentTypesQuery)
export class ListContentTypesHandler implements IQueryHandler<ListContentTypesQuery> {
  constructor(private readonly types: ContentTypeRepository) {}

  async execute(): Promise<ContentTypeView[]> {
    return (await this.types.list()).map(toContentTypeView);
  }
}
