import { Controller, Delete, HttpCode, HttpStatus, Param, ParseUUIDPipe } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { DeleteContentItemCommand } from './delete-content-item.command.js';

@Controller('api/content-items')
export class DeleteContentItemHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 204; 404 for an unknown id. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  delete(@Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    return this.commandBus.execute(new DeleteContentItemCommand(id.toLowerCase()));
  }
}
