import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ContentItemView } from '../../content.views.js';
import { GetContentItemQuery } from './get-content-item.query.js';

@ApiTags('content')
@Controller('api/content-items')
export class GetContentItemHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @ApiOperation({ summary: 'Get an item' })
  @ApiOkResponse({ type: ContentItemView })
  @ApiErrors(400, 404)
  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<ContentItemView> {
    return this.queryBus.execute(new GetContentItemQuery(id.toLowerCase()));
  }
}
