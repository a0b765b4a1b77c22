import { Controller, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { TaskNamePipe } from '../../contract/task-name.pipe.js';
import { TaskAcceptedView } from '../../task-accepted.view.js';
import { RunRecurringTaskCommand } from './run-recurring-task.command.js';

@ApiTags('recurring tasks')
@Controller('api/recurring-tasks')
export class RunRecurringTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Admins: 202 `{ taskId }`, with the task's URL in Location. */
  @ApiOperation({ summary: "Run a recurring task now, with its schedule's metadata" })
  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Enqueued; Location is the task' })
  @ApiErrors(400, 403, 404)
  @Post(':name/run')
  @HttpCode(HttpStatus.ACCEPTED)
  async run(
    @Param('name', TaskNamePipe) name: string,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<TaskAcceptedView> {
    const accepted = await this.commandBus.execute(new RunRecurringTaskCommand(name, user));
    response.location(`/api/background-tasks/${accepted.taskId}`);
    return accepted;
  }
}
