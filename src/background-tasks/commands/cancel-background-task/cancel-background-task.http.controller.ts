import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, HttpStatus, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { BackgroundTaskView } from '../../queries/background-task.view.js';
import { CancelBackgroundTaskCommand } from './cancel-background-task.command.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class CancelBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 200 with the cancelled task, or 202 while a running task is being stopped; 409 for a finished task. */
  @ApiOperation({ summary: 'Cancel a task: at once when it waits, within a lease renewal when it runs' })
  @ApiOkResponse({ type: BackgroundTaskView, description: 'Cancelled' })
  @ApiAcceptedResponse({ type: BackgroundTaskView, description: 'Running: it stops within about 500 ms' })
  @ApiErrors(400, 404, 409)
  @Post(':id/cancel')
  async cancel(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BackgroundTaskView> {
    const task = await this.commandBus.execute(new CancelBackgroundTaskCommand(id.toLowerCase(), user));
    response.status(task.status === 'cancelled' ? HttpStatus.OK : HttpStatus.ACCEPTED);
    return task;
  }
}
