import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { GetTaskOverviewQuery } from './get-task-overview.query.js';
import { TaskOverviewView } from './task-overview.view.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class GetTaskOverviewHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  /** Admins: the console's overview (the counts read every row; the endings, one hour of the finished index). */
  @ApiOperation({ summary: "Counts by status and name, the last hour's endings per minute, the oldest wait" })
  @ApiOkResponse({ type: TaskOverviewView })
  @ApiErrors(403)
  @Get('overview')
  get(@CurrentUser() user: ApiUser): Promise<TaskOverviewView> {
    return this.queryBus.execute(new GetTaskOverviewQuery(user));
  }
}
