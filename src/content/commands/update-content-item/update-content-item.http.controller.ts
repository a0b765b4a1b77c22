import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Body, Controller, Param, ParseUUIDPipe, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ContentItemView } from '../../content.views.js';
import { ContentValuesRequestDto } from '../content-values.request.dto.js';
import { UpdateContentItemCommand } from './update-content-item.command.js';

@ApiTags('content')
@Controller('api/content-items')
export class UpdateContentItemHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Replaces the item's values; 400 naming every field that is wrong, 404 for an unknown id. */
  @ApiOperation({ summary: "Replace an item's values" })
  @ApiOkResponse({ type: ContentItemView })
  @ApiErrors(400, 404)
  @Put(':id')
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ContentValuesRequestDto,
  ): Promise<ContentItemView> {
    return this.commandBus.execute(new UpdateContentItemCommand(id.toLowerCase(), body.values));
  }
}
