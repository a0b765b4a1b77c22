import { Controller, HttpStatus, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import type { ApiUser } from '../../../auth/api-user.js';
import { CurrentUser } from '../../../auth/current-user.decorator.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';
import { CancelBackgroundTaskCommand } from './cancel-background-task.command.js';

@Controller('api/background-tasks')
export class CancelBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** 200 with the cancelled task, or 202 while a running task is being stopped; 409 for a finished task. */
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
