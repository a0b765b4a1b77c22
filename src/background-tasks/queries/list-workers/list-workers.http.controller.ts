import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { ListWorkersQuery } from './list-workers.query.js';
import { WorkerListView } from './worker.view.js';

@ApiTags('workers')
@Controller('api/workers')
export class ListWorkersHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Admins: every worker process from its heartbeat row (a table as small as the fleet). */
  @ApiOperation({ summary: 'List the worker processes: live, stalled, or gone and not yet removed' })
  @ApiOkResponse({ type: WorkerListView })
  @ApiErrors(403)
  @Get()
  list(@CurrentUser() user: ApiUser): Promise<WorkerListView> {
    return this.queryBus.execute(new ListWorkersQuery(user));
  }
}
