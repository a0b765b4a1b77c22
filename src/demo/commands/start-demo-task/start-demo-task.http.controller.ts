import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../../shared/http/api-errors.decorator.js';
import { TaskAcceptedView } from '../../../background-tasks/index.js';
import { Body, Controller, HttpCode, HttpStatus, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../../auth/index.js';
import { StartDemoTaskCommand } from './start-demo-task.command.js';
import { StartDemoTaskRequestDto } from './start-demo-task.request.dto.js';

@ApiTags('demo')
@Controller('api/demo-tasks')
export class StartDemoTaskHttpController {
  constructor(private readonly commandBus: CommandBus) {}

  /** Starts a demo task; poll the Location to watch its progress. */
  @ApiOperation({ summary: 'Start a demo countdown task to watch' })
  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Started; Location is the task' })
  @ApiErrors(400)
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async start(
    @Body() body: StartDemoTaskRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ taskId: string }> {
    const { taskId } = await this.commandBus.execute(
      new StartDemoTaskCommand(body.steps, body.stepMs, user.name),
    );
    response.location(`/api/background-tasks/${taskId}`);
    return { taskId };
  }
}
