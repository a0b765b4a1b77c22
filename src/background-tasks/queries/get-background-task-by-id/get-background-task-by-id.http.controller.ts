import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Controller, Get, Param, ParseUUIDPipe } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { BackgroundTaskView } from '../background-task.view.js';
import { GetBackgroundTaskByIdQuery } from './get-background-task-by-id.query.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class GetBackgroundTaskByIdHttpController {
  constructor(private readonly queryBus: QueryBus) {}

  @ApiOperation({ summary: 'Get a task: status, progress, attempts, times, result, error' })
  @ApiOkResponse({ type: BackgroundTaskView })
  @ApiErrors(400, 404)
  @Get(':id')
  get(
    @Param('id', new ParseUUIDPipe()) id: string,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.queryBus.execute(new GetBackgroundTaskByIdQuery(id.toLowerCase(), user));
  }
}
