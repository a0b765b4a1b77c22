import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { TaskFiles } from '../files/task-files.js';
import { TaskStore } from '../storage/task-store.js';

const BATCH_SIZE = 500;
const MAX_BATCHES_PER_SWEEP = 200;
const SWEEP_INTERVAL_MS = 10 * 60_000;
const INTERVAL_NAME = 'background-tasks:retention';

/**
 * Deletes finished tasks older than TASK_RETENTION, with their files, every ten minutes in worker
 * processes. Each statement deletes at most 500 rows (a short lock, a small transaction), and one sweep
 * stops after 100,000 rows so that a large backlog is worked off over several sweeps instead of in one
 * long burst.
 */
@Injectable()
export class RetentionSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RetentionSweeper.name);
  private sweeping: Promise<number> | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly files: TaskFiles,
    private readonly config: BackgroundTasksConfig,
    private readonly scheduler: SchedulerRegistry,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker || this.config.retentionMs === 0) return;
    this.scheduler.addInterval(
      INTERVAL_NAME,
      setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.scheduler.doesExist('interval', INTERVAL_NAME)) this.scheduler.deleteInterval(INTERVAL_NAME);
    await this.sweeping;
  }

  /** One sweep; returns how many tasks it deleted. A sweep already under way is joined, not repeated. */
  sweep(now = new Date()): Promise<number> {
    this.sweeping ??= this.deleteExpired(now)
      .catch((error: unknown) => {
        this.logger.error(`Retention sweep failed: ${String(error)}`);
        return 0;
      })
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async deleteExpired(now: Date): Promise<number> {
    if (this.config.retentionMs === 0) return 0;
    const cutoff = new Date(now.getTime() - this.config.retentionMs);
    let deleted = 0;
    for (let batch = 0; batch < MAX_BATCHES_PER_SWEEP; batch++) {
      const ids = await this.store.deleteFinished(cutoff, BATCH_SIZE);
      await Promise.all(ids.map((id) => this.files.remove(id)));
      deleted += ids.length;
      if (ids.length < BATCH_SIZE) break;
    }
    await this.removeOrphanedFiles(cutoff);
    if (deleted > 0)
      this.logger.log(`Deleted ${deleted} finished task(s) older than ${cutoff.toISOString()}`);
    return deleted;
  }

  /** Files of tasks that no longer exist: left behind by a process that died between a delete and its cleanup. */
  private async removeOrphanedFiles(cutoff: Date): Promise<void> {
    for (const id of await this.files.directoriesChangedBefore(cutoff)) {
      if (!(await this.store.findById(id))) await this.files.remove(id);
    }
  }
}
