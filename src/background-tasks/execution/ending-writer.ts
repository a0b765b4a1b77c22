import type { Logger } from '@nestjs/common';
import type { TaskChanges } from '../events/task-changes.js';
import type { FinishedRun } from '../storage/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import type { Mutex } from '../../shared/mutex.js';
import { retryBackoffMs, sleep } from './retry-backoff.js';

const MAX_BATCH = 500;

interface Pending {
  readonly run: FinishedRun;
  readonly settle: (held: boolean) => void;
}

/**
 * Writes run endings in batches without adding latency: the first ending is written at once, and endings
 * that arrive while a write is in flight go together in the next one. Under load that turns thousands of
 * completions a second into a few hundred statements; when idle, each ending is written immediately.
 *
 * Every stored batch is announced on TaskChanges (the ids whose lease was still held), whichever path
 * submitted it: a finished run, a released prefetch, a shutdown.
 *
 * A database error never drops an ending: the batch is retried with backoff until it lands, or until the
 * worker stops (the lease then expires and another worker runs the task again).
 */
export class EndingWriter {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private flushed: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly store: TaskStore,
    private readonly leaseWrites: Mutex,
    private readonly logger: Logger,
    private readonly changes: TaskChanges,
  ) {}

  /** Resolves true when the ending was stored, false when the lease had moved on (the write was fenced out). */
  submit(run: FinishedRun): Promise<boolean> {
    return new Promise((settle) => {
      this.queue.push({ run, settle });
      if (!this.flushing) {
        this.flushing = true;
        this.flushed = this.flush();
      }
    });
  }

  /**
   * Writes until the queue is empty. `flushing` turns false in the same synchronous step as the last look
   * at the queue (no await in between), so an ending submitted after it starts a new flush: none is left
   * behind.
   */
  private async flush(): Promise<void> {
    let failures = 0;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          const held = await this.leaseWrites.run(() => this.store.finish(batch.map((p) => p.run)));
          failures = 0;
          if (held.size > 0) this.changes.publish([...held]);
          for (const pending of batch) pending.settle(held.has(pending.run.id));
        } catch (error) {
          failures++;
          if (this.stopped) {
            this.logger.error(
              `Could not store ${batch.length} task endings before stopping: ${String(error)}`,
            );
            for (const pending of batch) pending.settle(false);
            continue;
          }
          this.queue.unshift(...batch);
          const delay = retryBackoffMs(failures);
          this.logger.warn(
            `Storing ${batch.length} task endings failed (${String(error)}); retrying in ${delay} ms`,
          );
          await sleep(delay);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** Stops retrying failed writes after the current attempt; waits for the writes under way. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.flushed;
  }
}
