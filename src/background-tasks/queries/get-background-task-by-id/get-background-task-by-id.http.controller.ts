import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/api-user.js';
import { CurrentUser } from '../../../auth/current-user.decorator.js';
import type { BackgroundTaskView } from '../background-task.view.js';
import { GetBackgroundTaskByIdQuery } from './get-background-task-by-id.query.js';

@Controller('api/background-tasks')
export class GetBackgroundTaskByIdHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':id')
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.queryBus.execute(new GetBackgroundTaskByIdQuery(id.toLowerCase(), user));
  }
}
