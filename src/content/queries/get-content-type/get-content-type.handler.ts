import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { toContentTypeView, type ContentTypeView } from '../../content.views.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { GetContentTypeQuery } from './get-content-type.query.js';

@QueryHandler(GetContentTypeQuery)
export class GetContentTypeHandler implements IQueryHandler<GetContentTypeQuery> {
  constructor(private readonly types: ContentTypeRepository) {}

  async execute({ developerName }: GetContentTypeQuery): Promise<ContentTypeView> {
    return toContentTypeView(await this.types.require(developerName));
  }
}
