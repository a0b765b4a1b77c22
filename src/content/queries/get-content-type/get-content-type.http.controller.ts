import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ContentTypeView } from '../../content.views.js';
import { GetContentTypeQuery } from './get-content-type.query.js';

@Controller('api/content-types')
export class GetContentTypeHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':developerName')
  get(@Param('developerName') developerName: string): Promise<ContentTypeView> {
    return this.queryBus.execute(new GetContentTypeQuery(developerName));
  }
}
