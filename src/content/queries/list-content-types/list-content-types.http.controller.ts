import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ContentTypeView } from '../../content.views.js';
import { ListContentTypesQuery } from './list-content-types.query.js';

@ApiTags('content')
@Controller('api/content-types')
export class ListContentTypesHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @ApiOperation({ summary: 'List content types' })
  @ApiOkResponse({ type: [ContentTypeView] })
  @Get()
  list(): Promise<ContentTypeView[]> {
    return this.queryBus.execute(new ListContentTypesQuery());
  }
}
