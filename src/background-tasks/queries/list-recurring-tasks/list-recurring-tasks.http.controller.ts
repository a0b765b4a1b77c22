import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { ListRecurringTasksQuery } from './list-recurring-tasks.query.js';
import { RecurringTaskListView } from './recurring-task.view.js';

@ApiTags('recurring tasks')
@Controller('api/recurring-tasks')
export class ListRecurringTasksHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Admins: pausing one is pausing its task name (POST /api/task-queues/:name/pause). */
  @ApiOperation({ summary: 'List the tasks declared with a schedule, their next slot and last run' })
  @ApiOkResponse({ type: RecurringTaskListView })
  @ApiErrors(403)
  @Get()
  list(@CurrentUser() user: ApiUser): Promise<RecurringTaskListView> {
    return this.queryBus.execute(new ListRecurringTasksQuery(user));
  }
}
