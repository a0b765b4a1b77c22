import { Module } from '@nestjs/common';
import { BackgroundTasksModule } from './background-tasks.module.js';
import { CancelBackgroundTaskHttpController } from './commands/cancel-background-task/cancel-background-task.http.controller.js';
import { ResumeBackgroundTaskHttpController } from './commands/resume-background-task/resume-background-task.http.controller.js';
import { RetryBackgroundTaskHttpController } from './commands/retry-background-task/retry-background-task.http.controller.js';
import { GetBackgroundTaskByIdHttpController } from './queries/get-background-task-by-id/get-background-task-by-id.http.controller.js';
import { GetBackgroundTaskFileHttpController } from './queries/get-background-task-file/get-background-task-file.http.controller.js';
import { ListBackgroundTasksHttpController } from './queries/list-background-tasks/list-background-tasks.http.controller.js';
import { WatchBackgroundTaskHttpController } from './queries/watch-background-task/watch-background-task.http.controller.js';
import { WatchBackgroundTasksHttpController } from './queries/watch-background-tasks/watch-background-tasks.http.controller.js';
import { PauseTaskQueueHttpController } from './commands/pause-task-queue/pause-task-queue.http.controller.js';
import { ListTaskQueuesHttpController } from './queries/list-task-queues/list-task-queues.http.controller.js';

// Routes are matched in this order: GET events (the list stream) must come before GET :id.
const controllers = [
  WatchBackgroundTasksHttpController,
  ListBackgroundTasksHttpController,
  GetBackgroundTaskByIdHttpController,
  GetBackgroundTaskFileHttpController,
  CancelBackgroundTaskHttpController,
  ResumeBackgroundTaskHttpController,
  RetryBackgroundTaskHttpController,
  WatchBackgroundTaskHttpController,
  ListTaskQueuesHttpController,
  PauseTaskQueueHttpController,
];

/**
 * The /api/background-tasks and /api/task-queues routes; left out of processes with APP_ROLE=worker. The controllers send
 * commands and queries, handled in BackgroundTasksModule.
 */
@Module({
  imports: [BackgroundTasksModule],
  controllers,
})
export class BackgroundTasksHttpModule {}
