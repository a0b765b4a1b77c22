import { ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { ContentItemView } from '../../content.views.js';
import { ContentValuesRequestDto } from '../content-values.request.dto.js';
import { CreateContentItemCommand } from './create-content-item.command.js';

@ApiTags('content')
@Controller('api/content-types/:developerName/items')
export class CreateContentItemHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 201 with the item; 400 naming every field that is wrong. */
  @ApiOperation({ summary: 'Create an item' })
  @ApiCreatedResponse({ type: ContentItemView })
  @ApiErrors(400, 404)
  @Post()
  async create(
    @Param('developerName') developerName: string,
    @Body() body: ContentValuesRequestDto,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ContentItemView> {
    const item = await this.commandBus.execute(new CreateContentItemCommand(developerName, body.values));
    response.location(`/api/content-items/${item.id}`);
    return item;
  }
}
