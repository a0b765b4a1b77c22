import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { BackgroundTaskPageView } from '../background-task.view.js';
import { Controller, Get, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { ListBackgroundTasksQuery, type BackgroundTaskPage } from './list-background-tasks.query.js';
import { ListBackgroundTasksRequestDto } from './list-background-tasks.request.dto.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class ListBackgroundTasksHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @ApiOperation({ summary: 'List tasks, newest first (admins: all; others: their own)' })
  @ApiOkResponse({ type: BackgroundTaskPageView })
  @ApiErrors(400, 403)
  @Get()
  list(
    @Query() query: ListBackgroundTasksRequestDto,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskPage> {
    const { status, name, createdBy, cursor, limit } = query;
    return this.queryBus.execute(
      new ListBackgroundTasksQuery(user, { status, name, createdBy }, cursor, limit),
    );
  }
}
