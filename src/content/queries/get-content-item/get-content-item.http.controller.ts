import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ContentItemView } from '../../content.views.js';
import { GetContentItemQuery } from './get-content-item.query.js';

@Controller('api/content-items')
export class GetContentItemHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ContentItemView> {
    return this.queryBus.execute(new GetContentItemQuery(id.toLowerCase()));
  }
}
