import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CancelBackgroundTaskHandler } from './commands/cancel-background-task/cancel-background-task.handler.js';
import { ResumeBackgroundTaskHandler } from './commands/resume-background-task/resume-background-task.handler.js';
import { RetryBackgroundTaskHandler } from './commands/retry-background-task/retry-background-task.handler.js';
import { QueuedHostedService } from './execution/queued-hosted-service.js';
import { TaskRegistry } from './execution/task-registry.js';
import { TaskFiles } from './files/task-files.js';
import { GetBackgroundTaskByIdHandler } from './queries/get-background-task-by-id/get-background-task-by-id.handler.js';
import { GetBackgroundTaskFileHandler } from './queries/get-background-task-file/get-background-task-file.handler.js';
import { ListBackgroundTasksHandler } from './queries/list-background-tasks/list-background-tasks.handler.js';
import { AfterCommitHooks } from './queue/after-commit-hooks.js';
import { BackgroundTaskQueue } from './queue/background-task-queue.js';
import { QueueWakeSignal } from './queue/queue-wake-signal.js';
import { RecurringTaskScheduler } from './scheduling/recurring-task-scheduler.js';
import { RetentionSweeper } from './scheduling/retention-sweeper.js';
import { taskStoreProvider } from './storage/task-store.provider.js';

const commandHandlers = [
  CancelBackgroundTaskHandler,
  ResumeBackgroundTaskHandler,
  RetryBackgroundTaskHandler,
];
const queryHandlers = [
  GetBackgroundTaskByIdHandler,
  GetBackgroundTaskFileHandler,
  ListBackgroundTasksHandler,
];

/**
 * The queue and its worker. Import it where tasks are enqueued; the worker, the recurring-task scheduler
 * and the retention sweep start on bootstrap when APP_ROLE is `all` or `worker`. Its HTTP side lives in
 * BackgroundTasksHttpModule.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    taskStoreProvider,
    TaskRegistry,
    TaskFiles,
    QueueWakeSignal,
    AfterCommitHooks,
    BackgroundTaskQueue,
    QueuedHostedService,
    RecurringTaskScheduler,
    RetentionSweeper,
    ...commandHandlers,
    ...queryHandlers,
  ],
  exports: [BackgroundTaskQueue, QueuedHostedService, TaskFiles, taskStoreProvider],
})
export class BackgroundTasksModule {}
