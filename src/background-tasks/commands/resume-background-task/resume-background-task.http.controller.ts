import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { Body, Controller, HttpCode, HttpStatus, Param, ParseUUIDPipe, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { type ApiUser, CurrentUser } from '../../../shared/identity/index.js';
import { BackgroundTaskView } from '../../queries/background-task.view.js';
import { ResumeBackgroundTaskCommand } from './resume-background-task.command.js';
import { ResumeBackgroundTaskRequestDto } from './resume-background-task.request.dto.js';

@ApiTags('background tasks')
@Controller('api/background-tasks')
export class ResumeBackgroundTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Resumes a suspended task (200 with the task, now enqueued); 409 for a task that is not suspended. */
  @ApiOperation({ summary: 'Resume a suspended task, optionally patching its checkpoint' })
  @ApiOkResponse({ type: BackgroundTaskView })
  @ApiErrors(400, 404, 409)
  @Post(':id/resume')
  @HttpCode(HttpStatus.OK)
  resume(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ResumeBackgroundTaskRequestDto,
    @CurrentUser() user: ApiUser,
  ): Promise<BackgroundTaskView> {
    return this.commandBus.execute(
      new ResumeBackgroundTaskCommand(id.toLowerCase(), user, body.executionMetadata),
    );
  }
}
