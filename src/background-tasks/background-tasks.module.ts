import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DataSource } from 'typeorm';
import { DatabaseConfig } from '../database/database-config.js';
import { CancelBackgroundTaskHandler } from './commands/cancel-background-task/cancel-background-task.handler.js';
import { ResumeBackgroundTaskHandler } from './commands/resume-background-task/resume-background-task.handler.js';
import { RetryBackgroundTaskHandler } from './commands/retry-background-task/retry-background-task.handler.js';
import { StartBulkOperationHandler } from './commands/start-bulk-operation/start-bulk-operation.handler.js';
import { BulkOperationTask } from './bulk/bulk-operation.task.js';
import { PauseTaskQueueHandler } from './commands/pause-task-queue/pause-task-queue.handler.js';
import { GetTaskOverviewHandler } from './queries/get-task-overview/get-task-overview.handler.js';
import { ListRecurringTasksHandler } from './queries/list-recurring-tasks/list-recurring-tasks.handler.js';
import { ListWorkersHandler } from './queries/list-workers/list-workers.handler.js';
import { RunRecurringTaskHandler } from './commands/run-recurring-task/run-recurring-task.handler.js';
import { ListTaskQueuesHandler } from './queries/list-task-queues/list-task-queues.handler.js';
import { PostgresTaskChannels } from './events/postgres-task-channels.js';
import { TaskEvents } from './events/task-events.js';
import { TaskWatcher } from './events/task-watcher.js';
import { QueuedHostedService } from './execution/queued-hosted-service.js';
import { TaskFiles } from './files/task-files.js';
import { LOCAL_HAND_OVER } from './model/local-hand-over.js';
import { GetBackgroundTaskByIdHandler } from './queries/get-background-task-by-id/get-background-task-by-id.handler.js';
import { GetBackgroundTaskFileHandler } from './queries/get-background-task-file/get-background-task-file.handler.js';
import { ListBackgroundTasksHandler } from './queries/list-background-tasks/list-background-tasks.handler.js';
import { WatchBackgroundTaskHandler } from './queries/watch-background-task/watch-background-task.handler.js';
import { WatchBackgroundTasksHandler } from './queries/watch-background-tasks/watch-background-tasks.handler.js';
import { AfterCommitHooks } from './queue/after-commit-hooks.js';
import { BackgroundTaskQueue } from './queue/background-task-queue.js';
import { QueueWakeSignal } from './queue/queue-wake-signal.js';
import { TaskRegistry } from './registry/task-registry.js';
import { RecurringTaskScheduler } from './scheduling/recurring-task-scheduler.js';
import { RetentionSweeper } from './scheduling/retention-sweeper.js';
import { createTaskStore } from './storage/task-store.provider.js';
import { TaskStore } from './storage/task-store.js';
import { BackgroundTasksStatus } from './status/background-tasks-status.js';
import { TaskTracing } from './tracing/task-tracing.js';

const commandHandlers = [
  CancelBackgroundTaskHandler,
  ResumeBackgroundTaskHandler,
  RetryBackgroundTaskHandler,
  PauseTaskQueueHandler,
  StartBulkOperationHandler,
];
const queryHandlers = [
  GetBackgroundTaskByIdHandler,
  GetBackgroundTaskFileHandler,
  ListBackgroundTasksHandler,
  WatchBackgroundTaskHandler,
  WatchBackgroundTasksHandler,
  ListTaskQueuesHandler,
  GetTaskOverviewHandler,
  ListRecurringTasksHandler,
  ListWorkersHandler,
  RunRecurringTaskHandler,
];

/**
 * The queue and its worker. Import it where tasks are enqueued; the worker, the recurring-task scheduler
 * and the retention sweep start on bootstrap when APP_ROLE is `all` or `worker`. Its HTTP side lives in
 * BackgroundTasksHttpModule, whose controllers reach the handlers here through the command and query
 * buses. The live views (TaskWatcher) cost nothing until a stream opens.
 *
 * Exported: what other modules may use (see index.ts). The store, the worker and the live views are the
 * module's own.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    {
      provide: TaskStore,
      inject: [DatabaseConfig, DataSource],
      useFactory: (config: DatabaseConfig, dataSource: DataSource) => createTaskStore(config, dataSource),
    },
    TaskRegistry,
    TaskFiles,
    QueueWakeSignal,
    TaskEvents,
    PostgresTaskChannels,
    TaskWatcher,
    AfterCommitHooks,
    TaskTracing,
    BackgroundTaskQueue,
    QueuedHostedService,
    { provide: LOCAL_HAND_OVER, useExisting: QueuedHostedService },
    RecurringTaskScheduler,
    RetentionSweeper,
    BackgroundTasksStatus,
    // The module's own task: bulk operations (POST /api/background-tasks/bulk), run by every worker.
    BulkOperationTask,
    ...commandHandlers,
    ...queryHandlers,
  ],
  exports: [BackgroundTaskQueue, BackgroundTasksStatus, TaskFiles, TaskEvents],
})
export class BackgroundTasksModule {}
