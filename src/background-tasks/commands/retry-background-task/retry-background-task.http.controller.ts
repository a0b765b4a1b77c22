import { Controller, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/api-user.js';
import { CurrentUser } from '../../../auth/current-user.decorator.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';
import { RetryBackgroundTaskCommand } from './retry-background-task.command.js';

@Controller('api/background-tasks')
export class RetryBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Re-enqueues a failed or cancelled task (200 with the task); 409 in any other state. */
  @Post(':id/retry')
  @HttpCode(HttpStatus.OK)
  retry(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.commandBus.execute(new RetryBackgroundTaskCommand(id.toLowerCase(), user));
  }
}
