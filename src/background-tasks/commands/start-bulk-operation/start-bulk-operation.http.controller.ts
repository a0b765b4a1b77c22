import { Body, Controller, HttpStatus, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { TaskAcceptedView } from '../../task-accepted.view.js';
import { BulkOperationCountView } from './bulk-operation.view.js';
import { StartBulkOperationCommand } from './start-bulk-operation.command.js';
import { StartBulkOperationRequestDto } from './start-bulk-operation.request.dto.js';

@ApiTags('background tasks')
@Controller('api/background-tasks/bulk')
export class StartBulkOperationHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /**
   * Admins: retries every failed task, cancels every waiting one, or deletes every finished one up to a time,
   * of one name or of all. 202 `{ taskId }` with the task's URL in Location: the operation is a background
   * task (`background-tasks.bulk`) whose progress counts the tasks changed. With `dryRun`, 200 with the
   * number of tasks it would change now.
   */
  @ApiOperation({ summary: 'Retry, cancel or delete tasks in bulk, as a background task (admins)' })
  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Started; Location is the task' })
  @ApiOkResponse({ type: BulkOperationCountView, description: 'dryRun: the count, nothing changed' })
  @ApiErrors(400, 403)
  @Post()
  async start(
    @Body() body: StartBulkOperationRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<BulkOperationCountView | TaskAcceptedView> {
    const outcome = await this.commandBus.execute(
      new StartBulkOperationCommand(
        body.action,
        body.name ?? null,
        body.finishedBefore === undefined ? null : new Date(body.finishedBefore),
        body.dryRun ?? false,
        user,
      ),
    );
    if (outcome.dryRun) {
      response.status(HttpStatus.OK);
      return outcome.count;
    }
    response.status(HttpStatus.ACCEPTED).location(`/api/background-tasks/${outcome.taskId}`);
    return { taskId: outcome.taskId };
  }
}
