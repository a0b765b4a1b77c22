import { Controller, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { TaskQueueView } from '../../queries/list-task-queues/task-queue.view.js';
import { TaskNamePipe } from '../../contract/task-name.pipe.js';
import { PauseTaskQueueCommand } from './pause-task-queue.command.js';

@ApiTags('task queues')
@Controller('api/task-queues')
export class PauseTaskQueueHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Admins: stops every worker claiming tasks of this name; running ones finish, enqueues go on. */
  @ApiOperation({ summary: 'Pause a task name: its tasks wait until it is resumed' })
  @ApiOkResponse({ type: TaskQueueView })
  @ApiErrors(400, 403, 404)
  @Post(':name/pause')
  @HttpCode(HttpStatus.OK)
  pause(@Param('name', TaskNamePipe) name: string, @CurrentUser() user: ApiUser): Promise<TaskQueueView> {
    return this.commandBus.execute(new PauseTaskQueueCommand(name, true, user));
  }

  /** Admins: lets workers claim tasks of this name again. */
  @ApiOperation({ summary: 'Resume a paused task name' })
  @ApiOkResponse({ type: TaskQueueView })
  @ApiErrors(400, 403, 404)
  @Post(':name/resume')
  @HttpCode(HttpStatus.OK)
  resume(@Param('name', TaskNamePipe) name: string, @CurrentUser() user: ApiUser): Promise<TaskQueueView> {
    return this.commandBus.execute(new PauseTaskQueueCommand(name, false, user));
  }
}
