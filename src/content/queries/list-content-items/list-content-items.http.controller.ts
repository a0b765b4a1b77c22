import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { ContentItemPageView } from '../../content.views.js';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ListContentItemsQuery, type ContentItemPage } from './list-content-items.query.js';
import { ListContentItemsRequestDto } from './list-content-items.request.dto.js';

@ApiTags('content')
@Controller('api/content-types/:developerName/items')
export class ListContentItemsHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Keyset pages: `{ items, nextCursor }`; pass nextCursor back with the same search and order. */
  @ApiOperation({ summary: 'List items of a content type (search, order, keyset paging)' })
  @ApiOkResponse({ type: ContentItemPageView })
  @ApiErrors(400, 404)
  @Get()
  list(
    @Param('developerName') developerName: string,
    @Query() query: ListContentItemsRequestDto,
  ): Promise<ContentItemPage> {
    const { search, orderBy, direction = 'asc', cursor, limit } = query;
    return this.queryBus.execute(
      new ListContentItemsQuery(developerName, search, orderBy, direction, cursor, limit),
    );
  }
}
