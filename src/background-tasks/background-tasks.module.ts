import { Module, type Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../database/database-config.js';
import { CancelBackgroundTaskHandler } from './commands/cancel-background-task/cancel-background-task.handler.js';
import { ResumeBackgroundTaskHandler } from './commands/resume-background-task/resume-background-task.handler.js';
import { RetryBackgroundTaskHandler } from './commands/retry-background-task/retry-background-task.handler.js';
import { observeTaskStore } from './events/observed-task-store.js';
import { PostgresTaskChangeRelay } from './events/postgres-task-change-relay.js';
import { TaskActivity } from './events/task-activity.js';
import { TaskChanges } from './events/task-changes.js';
import { QueuedHostedService } from './execution/queued-hosted-service.js';
import { TaskRegistry } from './registry/task-registry.js';
import { TaskFiles } from './files/task-files.js';
import { GetBackgroundTaskByIdHandler } from './queries/get-background-task-by-id/get-background-task-by-id.handler.js';
import { GetBackgroundTaskFileHandler } from './queries/get-background-task-file/get-background-task-file.handler.js';
import { ListBackgroundTasksHandler } from './queries/list-background-tasks/list-background-tasks.handler.js';
import { AfterCommitHooks } from './queue/after-commit-hooks.js';
import { BackgroundTaskQueue } from './queue/background-task-queue.js';
import { QueueWakeSignal } from './queue/queue-wake-signal.js';
import { RecurringTaskScheduler } from './scheduling/recurring-task-scheduler.js';
import { RetentionSweeper } from './scheduling/retention-sweeper.js';
import { createTaskStore } from './storage/task-store.provider.js';
import { TaskStore } from './storage/task-store.js';
import { BackgroundTasksStatus } from './status/background-tasks-status.js';
import { LOCAL_HAND_OVER } from './model/local-hand-over.js';

/** The engine's store, reporting what it writes to TaskActivity (for metrics and logs). */
const observedTaskStore: Provider = {
  provide: TaskStore,
  inject: [DatabaseConfig, DataSource, TaskActivity],
  useFactory: (config: DatabaseConfig, dataSource: DataSource, activity: TaskActivity) =>
    observeTaskStore(createTaskStore(config, dataSource), activity),
};

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
    observedTaskStore,
    TaskRegistry,
    TaskFiles,
    QueueWakeSignal,
    TaskChanges,
    TaskActivity,
    PostgresTaskChangeRelay,
    AfterCommitHooks,
    BackgroundTaskQueue,
    QueuedHostedService,
    { provide: LOCAL_HAND_OVER, useExisting: QueuedHostedService },
    RecurringTaskScheduler,
    RetentionSweeper,
    BackgroundTasksStatus,
    ...commandHandlers,
    ...queryHandlers,
  ],
  // TaskStore and TaskActivity only for the metrics, until they read the task module's event stream.
  exports: [
    BackgroundTaskQueue,
    BackgroundTasksStatus,
    TaskFiles,
    TaskChanges,
    TaskActivity,
    PostgresTaskChangeRelay,
    TaskStore,
  ],
})
export class BackgroundTasksModule {}
