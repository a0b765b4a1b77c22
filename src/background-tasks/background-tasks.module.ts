import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { QueuedHostedService } from './execution/queued-hosted-service.js';
import { TaskRegistry } from './execution/task-registry.js';
import { GetBackgroundTaskByIdHandler } from './queries/get-background-task-by-id/get-background-task-by-id.handler.js';
import { AfterCommitHooks } from './queue/after-commit-hooks.js';
import { BackgroundTaskQueue } from './queue/background-task-queue.js';
import { QueueWakeSignal } from './queue/queue-wake-signal.js';
import { taskStoreProvider } from './storage/task-store.provider.js';

const queryHandlers = [GetBackgroundTaskByIdHandler];

/**
 * The queue and its worker. Import it where tasks are enqueued; the worker starts on bootstrap when
 * APP_ROLE is `all` or `worker`. Its HTTP side lives in BackgroundTasksHttpModule.
 */
@Module({
  imports: [DiscoveryModule],
  providers: [
    taskStoreProvider,
    TaskRegistry,
    QueueWakeSignal,
    AfterCommitHooks,
    BackgroundTaskQueue,
    QueuedHostedService,
    ...queryHandlers,
  ],
  exports: [BackgroundTaskQueue, QueuedHostedService, taskStoreProvider],
})
export class BackgroundTasksModule {}
