import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ContentTypeView } from '../../content.views.js';
import { ListContentTypesQuery } from './list-content-types.query.js';

@Controller('api/content-types')
export class ListContentTypesHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get()
  list(): Promise<ContentTypeView[]> {
    return this.queryBus.execute(new ListContentTypesQuery());
  }
}
