import type { Logger } from '@nestjs/common';
import { isRefusedForItsValues } from '../../database/database-errors.js';
import type { Mutex } from '../../shared/mutex.js';
import { TaskErrorCode } from '../contract/task-error-codes.js';
import type { EndedRun, ReleasedRun, TaskEvents } from '../events/task-events.js';
import { toJson } from '../storage/ending-row.js';
import type { FinishedRun } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { taskLogFields } from '../task-log-fields.js';
import { retryBackoffMs, sleep } from './retry-backoff.js';
import { describeThrown, storableText } from './run-errors.js';

const MAX_BATCH = 500;
/** Failures of one batch, the database's values refusals aside, before it is split to find a culprit. */
const SPLIT_AFTER_FAILURES = 3;

/**
 * What became of a submitted ending: stored; fenced out (the lease had moved on, nothing was written);
 * or given up when the worker stopped while the database could not be reached (the lease then expires
 * and the task runs again, as after a crash).
 */
export type EndingSettlement = 'stored' | 'fenced' | 'given-up';

/** What the ending's events say of its run, besides the ending: the lease it ends (LeaseKeeper's). */
export interface EndingLease {
  readonly task: { readonly name: string; readonly maxAttempts: number };
  readonly leasedAt: number;
}

interface Pending {
  run: FinishedRun;
  readonly lease: EndingLease;
  readonly settle: (settlement: EndingSettlement) => void;
  /** Set once the run's own ending was refused and replaced by an ENDING_NOT_STORABLE failure. */
  replaced: boolean;
}

/**
 * Writes run endings in batches without adding latency: the first ending is written at once, and endings
 * that arrive while a write is in flight go together in the next one. Under load that turns thousands of
 * completions a second into a few hundred statements; when idle, each ending is written immediately.
 *
 * Invariant: every submitted ending settles exactly once, and one entry never holds up the others.
 * - A database that is away (a lost connection, a timeout, a deadlock) costs a retry of the batch with
 *   backoff, until it lands, or until the stop deadline passes.
 * - A statement refused for its values (see isRefusedForItsValues) is split in halves, down to the entry
 *   the database refuses; that run is stored as an ENDING_NOT_STORABLE failure instead, and if even that
 *   is refused it is given up alone. The execution layer encodes what handlers return before it gets here
 *   (encodeTaskJson), so this is the last line of defence, not the usual path.
 *
 * Every stored batch is emitted on TaskEvents (`ended` and `released`, for the runs whose lease was still
 * held), whichever path submitted it: a finished run, a released prefetch, a shutdown.
 */
export class EndingWriter {
  private readonly queue: Pending[] = [];
  private flushing = false;
  private flushed: Promise<void> = Promise.resolve();
  /** Once set (by stop), failed writes are retried only until this time. */
  private deadline = Infinity;

  constructor(
    private readonly store: TaskStore,
    private readonly leaseWrites: Mutex,
    private readonly logger: Logger,
    private readonly events: TaskEvents,
  ) {}

  /** Queues the ending of the run under `lease`; never rejects. */
  submit(run: FinishedRun, lease: EndingLease): Promise<EndingSettlement> {
    return new Promise((settle) => {
      this.queue.push({ run, lease, settle, replaced: false });
      if (!this.flushing) {
        this.flushing = true;
        this.flushed = this.flush();
      }
    });
  }

  /** Retries failed writes until `deadline` (epoch ms) at most, then gives up; waits for the writes under way. */
  async stop(deadline: number): Promise<void> {
    this.deadline = deadline;
    await this.flushed;
  }

  /**
   * Writes until the queue is empty. `flushing` turns false in the same synchronous step as the last look
   * at the queue (no await in between), so an ending submitted after it starts a new flush: none is left
   * behind.
   */
  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.write(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.flushing = false;
    }
  }

  /** Stores one batch, or the parts of it that can be stored; settles every entry of it. */
  private async write(batch: Pending[]): Promise<void> {
    for (let failures = 1; ; failures++) {
      try {
        const held = await this.leaseWrites.run(() => this.store.finish(batch.map((entry) => entry.run)));
        if (held.size > 0) this.emit(batch, held);
        for (const entry of batch) entry.settle(held.has(entry.run.id) ? 'stored' : 'fenced');
        return;
      } catch (error) {
        const refused = isRefusedForItsValues(error);
        if (batch.length > 1 && (refused || failures >= SPLIT_AFTER_FAILURES)) {
          const half = Math.ceil(batch.length / 2);
          await this.write(batch.slice(0, half));
          await this.write(batch.slice(half));
          return;
        }
        if (refused) {
          await this.writeInstead(batch[0], error);
          return;
        }
        if (Date.now() >= this.deadline) {
          this.logger.error(
            `Could not store ${batch.length} task ending(s) before stopping (${describeThrown(error).message}); ` +
              'their leases expire and the tasks run again',
          );
          for (const entry of batch) entry.settle('given-up');
          return;
        }
        const delay = Math.min(retryBackoffMs(failures), Math.max(0, this.deadline - Date.now()));
        this.logger.warn(
          `Storing ${batch.length} task ending(s) failed (${describeThrown(error).message}); retrying in ${delay} ms`,
        );
        await sleep(delay);
      }
    }
  }

  private emit(batch: readonly Pending[], held: ReadonlySet<string>): void {
    const now = performance.now();
    const ended: EndedRun[] = [];
    const released: ReleasedRun[] = [];
    for (const { run, lease } of batch) {
      if (!held.has(run.id)) continue;
      const { id, attempt, ending } = run;
      const report = { id, name: lease.task.name, attempt, maxAttempts: lease.task.maxAttempts };
      const runMs = now - lease.leasedAt;
      if (ending.kind === 'released') released.push({ ...report, runMs });
      else ended.push({ ...report, runMs, ending: ending.kind });
    }
    if (ended.length > 0) this.events.emit({ kind: 'ended', runs: ended });
    if (released.length > 0) this.events.emit({ kind: 'released', runs: released });
  }

  /** The database refused this run's ending: the task fails with ENDING_NOT_STORABLE, so it does not stay running. */
  private async writeInstead(entry: Pending, error: unknown): Promise<void> {
    const { run } = entry;
    const reason = storableText(describeThrown(error).message, 1000);
    if (entry.replaced) {
      this.logger.error(
        `Task ${run.id} (${entry.lease.task.name}): the database refused even the failure that replaced its ending (${reason})`,
        taskLogFields({ id: run.id, name: entry.lease.task.name }),
      );
      entry.settle('given-up');
      return;
    }
    this.logger.error(
      `Task ${run.id} (${entry.lease.task.name}): the database refused its ending (${reason}); storing a failure instead`,
      taskLogFields({ id: run.id, name: entry.lease.task.name }),
    );
    const errorJson = toJson({
      code: TaskErrorCode.ENDING_NOT_STORABLE,
      message: `The database refused to store how this run ended: ${reason}`,
    });
    entry.replaced = true;
    entry.run = {
      ...run,
      ending: {
        kind: 'failed',
        errorJson,
        attemptErrorJson: `{"attempt":${run.attempt},"at":"${new Date().toISOString()}","error":${errorJson}}`,
      },
      progress: { step: null, info: null, percent: run.progress.percent },
    };
    await this.write([entry]);
  }
}
