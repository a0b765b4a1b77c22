import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { BackgroundTaskView } from '../../queries/background-task.view.js';
import { RetryBackgroundTaskCommand } from './retry-background-task.command.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class RetryBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Re-enqueues a failed or cancelled task (200 with the task); 409 in any other state. */
  @ApiOperation({ summary: 'Run a failed or cancelled task again, with a fresh budget of attempts' })
  @ApiOkResponse({ type: BackgroundTaskView })
  @ApiErrors(400, 404, 409)
  @Post(':id/retry')
  @HttpCode(HttpStatus.OK)
  retry(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.commandBus.execute(new RetryBackgroundTaskCommand(id.toLowerCase(), user));
  }
}
