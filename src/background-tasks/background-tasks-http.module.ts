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
import { StartBulkOperationHttpController } from './commands/start-bulk-operation/start-bulk-operation.http.controller.js';
import { PauseTaskQueueHttpController } from './commands/pause-task-queue/pause-task-queue.http.controller.js';
import { GetTaskOverviewHttpController } from './queries/get-task-overview/get-task-overview.http.controller.js';
import { ListRecurringTasksHttpController } from './queries/list-recurring-tasks/list-recurring-tasks.http.controller.js';
import { RunRecurringTaskHttpController } from './commands/run-recurring-task/run-recurring-task.http.controller.js';
import { ListTaskQueuesHttpController } from './queries/list-task-queues/list-task-queues.http.controller.js';
import { ListWorkersHttpController } from './queries/list-workers/list-workers.http.controller.js';

// Routes are matched in this order: GET events (the list stream) and GET overview must come before GET :id.
const controllers = [
  WatchBackgroundTasksHttpController,
  GetTaskOverviewHttpController,
  ListBackgroundTasksHttpController,
  GetBackgroundTaskByIdHttpController,
  GetBackgroundTaskFileHttpController,
  CancelBackgroundTaskHttpController,
  ResumeBackgroundTaskHttpController,
  RetryBackgroundTaskHttpController,
  StartBulkOperationHttpController,
  WatchBackgroundTaskHttpController,
  ListTaskQueuesHttpController,
  PauseTaskQueueHttpController,
  ListRecurringTasksHttpController,
  RunRecurringTaskHttpController,
  ListWorkersHttpController,
];

/**
 * The /api/background-tasks, /api/task-queues, /api/recurring-tasks and /api/workers routes; left out of processes with APP_ROLE=worker. The controllers send
 * commands and queries, handled in BackgroundTasksModule.
 */
@Module({
  imports: [BackgroundTasksModule],
  controllers,
})
export class BackgroundTasksHttpModule {}
