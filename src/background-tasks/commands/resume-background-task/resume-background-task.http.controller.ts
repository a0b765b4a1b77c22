import { Body, Controller, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/api-user.js';
import { CurrentUser } from '../../../auth/current-user.decorator.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';
import { ResumeBackgroundTaskCommand } from './resume-background-task.command.js';
import { ResumeBackgroundTaskRequestDto } from './resume-background-task.request.dto.js';

@Controller('api/background-tasks')
export class ResumeBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Resumes a suspended task (200 with the task, now enqueued); 409 for a task that is not suspended. */
  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  resume(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ResumeBackgroundTaskRequestDto,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.commandBus.execute(
      new ResumeBackgroundTaskCommand(id.toLowerCase(), user, body.executionMetadata),
    );
  }
}
