import { setTimeout as delay } from 'node:timers/promises';
import { Body, Controller, HttpCode, HttpStatus, Module, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';
import type { Response } from 'express';
import { type ApiUser, CurrentUser } from '../../src/auth/index.js';
import {
  BackgroundTask,
  BackgroundTaskQueue,
  BackgroundTasksModule,
  type BackgroundTaskContext,
  type BackgroundTaskExecutor,
  TaskAcceptedView,
  TaskOutcome,
} from '../../src/background-tasks/index.js';

export interface TickMetadata {
  readonly steps: number;
  readonly stepMs: number;
}

/**
 * The queue's HTTP suites' task, so that they need neither the demo nor the CMS (either may be removed,
 * README "Remove the demo" / "Remove the CMS"): `steps` steps of `stepMs`, each reported as progress,
 * stopping mid-step when its signal fires.
 */
@BackgroundTask('test.ticks')
export class TicksTask implements BackgroundTaskExecutor<TickMetadata, void, { steps: number }> {
  async execute({ metadata, progress, signal }: BackgroundTaskContext<TickMetadata>) {
    for (let step = 1; step <= metadata.steps; step++) {
      progress({
        step,
        info: `Step ${step} of ${metadata.steps}`,
        percent: ((step - 1) / metadata.steps) * 100,
      });
      await delay(metadata.stepMs, undefined, { signal });
    }
    progress({ percent: 100, info: `Finished ${metadata.steps} steps` });
    return TaskOutcome.success({ steps: metadata.steps });
  }
}

export class StartTicksRequestDto {
  @IsInt()
  @Min(1)
  @Max(1000)
  steps: number = 5;

  @IsInt()
  @Min(0)
  @Max(60_000)
  stepMs: number = 200;
}

/** `POST /api/test-tasks {steps, stepMs}`: 202 and the task's Location, as a module's own endpoint answers. */
@Controller('api/test-tasks')
export class StartTicksHttpController {
  constructor(private readonly queue: BackgroundTaskQueue) {}

  @ApiAcceptedResponse({ type: TaskAcceptedView, description: 'Started; Location is the task' })
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async start(
    @Body() body: StartTicksRequestDto,
    @CurrentUser() user: ApiUser,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ taskId: string }> {
    const taskId = await this.queue.enqueue(TicksTask, { ...body }, { createdBy: user.name });
    response.location(`/api/background-tasks/${taskId}`);
    return { taskId };
  }
}

/** The endpoint, which test apps with APP_ROLE=worker leave out like every `…HttpModule`. */
@Module({ imports: [BackgroundTasksModule], controllers: [StartTicksHttpController] })
export class TestTasksHttpModule {}
