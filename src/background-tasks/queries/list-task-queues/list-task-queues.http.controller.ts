import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { ListTaskQueuesQuery } from './list-task-queues.query.js';
import { TaskQueueListView } from './task-queue.view.js';

@ApiTags('task queues')
@Controller('api/task-queues')
export class ListTaskQueuesHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Admins: every task name with its counts by status (a read of the whole table), limits and pause. */
  @ApiOperation({ summary: 'List task names with their counts, limits and whether they are paused' })
  @ApiOkResponse({ type: TaskQueueListView })
  @ApiErrors(403)
  @Get()
  list(@CurrentUser() user: ApiUser): Promise<TaskQueueListView> {
    return this.queryBus.execute(new ListTaskQueuesQuery(user));
  }
}
