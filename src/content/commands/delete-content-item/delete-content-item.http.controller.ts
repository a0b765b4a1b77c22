import { ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, Delete, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DeleteContentItemCommand } from './delete-content-item.command.js';

@ApiTags('content')
@Controller('api/content-items')
export class DeleteContentItemHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 204; 404 for an unknown id. */
  @ApiOperation({ summary: 'Delete an item' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(400, 404)
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.commandBus.execute(new DeleteContentItemCommand(id.toLowerCase()));
  }
}
