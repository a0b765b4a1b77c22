import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, Get, Param } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ContentTypeView } from '../../content.views.js';
import { GetContentTypeQuery } from './get-content-type.query.js';

@ApiTags('content')
@Controller('api/content-types')
export class GetContentTypeHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @ApiOperation({ summary: 'Get a content type with its fields' })
  @ApiOkResponse({ type: ContentTypeView })
  @ApiErrors(404)
  @Get(':developerName')
  get(@Param('developerName') developerName: string): Promise<ContentTypeView> {
    return this.queryBus.execute(new GetContentTypeQuery(developerName));
  }
}
