import { Injectable } from '@nestjs/common';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { QueuedHostedService } from '../execution/queued-hosted-service.js';
import type { WorkerStatus } from '../execution/worker-status.js';
import type { TaskQueueState } from '../model/task-records.js';
import { TaskStore, type ActiveTaskCounts } from '../storage/task-store.js';

/**
 * What the rest of the application may know of the queue and this process's worker, read-only: health and
 * metrics read it. The store and the worker themselves stay inside the module.
 */
@Injectable()
export class BackgroundTasksStatus {
  constructor(
    private readonly worker: QueuedHostedService,
    private readonly store: TaskStore,
    private readonly config: BackgroundTasksConfig,
  ) {}

  /** Whether this process runs a worker at all (APP_ROLE other than api). */
  get runsWorker(): boolean {
    return this.config.runsWorker;
  }

  /** How long the worker waits between claim rounds when nothing wakes it. */
  get pollingDelayMs(): number {
    return this.config.pollingDelayMs;
  }

  /** The worker's counts now (a snapshot). */
  workerStatus(): WorkerStatus {
    return this.worker.status;
  }

  /** Task names that were paused or claimed under flow control, each with whether it is paused now. */
  queueStates(): Promise<TaskQueueState[]> {
    return this.store.queueStates();
  }

  /** How many tasks wait, run and are suspended in the whole queue (one statement). */
  queueCounts(): Promise<ActiveTaskCounts> {
    return this.store.activeCounts();
  }
}
