import type { Logger } from '@nestjs/common';
import type { Mutex } from '../../shared/mutex.js';
import type { ClaimedTask } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { describeThrown } from './run-errors.js';
import type { RunSpan } from '../tracing/task-tracing.js';

/**
 * Who holds a lease now: a buffered task, a running handler, or an ending on its way to the database.
 * Holders are told which lease, so that one holder object serves every buffered task (no closures per
 * task: a worker claims tens of thousands a second).
 */
export interface LeaseHolder {
  /** The lease moved to another worker (or expired and was recovered): stop, and write nothing more. */
  leaseLost(lease: HeldLease): void;
  /** Somebody asked to cancel the task. */
  cancelRequested(lease: HeldLease): void;
}

/**
 * A lease this worker holds, from its claim until its ending is stored or the task released. It is the
 * claim's own: a task whose lease lapsed can be claimed again by this same worker, under a new lease owner,
 * while the first claim's run has not noticed yet, and the two are then two leases.
 */
export interface HeldLease {
  readonly task: ClaimedTask;
  holder: LeaseHolder;
  /** performance.now() when this worker took the lease: a run's time is measured from here. */
  readonly leasedAt: number;
  /** The run's spans, when tracing is on (TaskTracing). */
  readonly trace?: RunSpan;
}

/** A holder with nothing left to stop: an ending being written (the finish statement decides the rest). */
export const ENDING_UNDER_WAY: LeaseHolder = { leaseLost: () => undefined, cancelRequested: () => undefined };

/**
 * Every lease this worker holds, and their renewal (the part BullMQ calls its LockManager).
 *
 * Invariant: a lease is tracked from the claim that took it until its ending is stored, fenced out or
 * given up (`release`), and while tracked it is renewed at every heartbeat it is due for. `size` is
 * therefore the number of rows this worker holds in `processing`, which the worker keeps within its
 * budget.
 *
 * A renewal reads back every task the worker's lease owners still hold, with its cancellation flag: a
 * tracked lease missing from the answer is lost (its holder is told and the lease is no longer tracked);
 * a flagged one has its holder told of the cancellation, once per renewal, which is how a cancellation
 * reaches a running handler within a heartbeat. Renewals and endings take turns on `leaseWrites` (two
 * multi-row UPDATEs locking rows in different orders could deadlock on PostgreSQL). A renewal that runs
 * right after an ending was stored, before the worker released that lease, finds it gone and reports it to
 * its holder, ENDING_UNDER_WAY, which has nothing to stop.
 */
export class LeaseKeeper {
  private readonly leases = new Set<HeldLease>();
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly leaseWrites: Mutex,
    private readonly leaseDurationMs: number,
    private readonly logger: Logger,
  ) {}

  /** Leases held. */
  get size(): number {
    return this.leases.size;
  }

  track(task: ClaimedTask, holder: LeaseHolder, trace?: RunSpan): HeldLease {
    const lease: HeldLease = { task, holder, leasedAt: performance.now(), trace };
    this.leases.add(lease);
    return lease;
  }

  /** Stops tracking this lease (idempotent). */
  release(lease: HeldLease): void {
    this.leases.delete(lease);
  }

  isHeld(lease: HeldLease): boolean {
    return this.leases.has(lease);
  }

  /** Sends a renewal unless one is under way (a slow database then gets one statement, not a pile). */
  renew(): void {
    if (this.renewing || this.leases.size === 0) return;
    this.renewing = this.leaseWrites
      .run(async () => {
        // Read inside the turn: leases whose ending was stored before it are gone from the map already.
        const sent = [...this.leases.values()];
        if (sent.length === 0) return;
        const owners = [...new Set(sent.map((lease) => lease.task.leaseOwner))];
        // A lease is extended once a third of it is used: for leases up to 1.5 s that is every heartbeat,
        // for longer ones it leaves two thirds of the lease, at least two heartbeats, as slack.
        const { leaseDurationMs } = this;
        const renewals = await this.store.renewLeases(owners, leaseDurationMs, (leaseDurationMs * 2) / 3);
        const answered = new Map(
          renewals.map((held) => [claimKey(held.id, held.leaseOwner), held.cancelRequested]),
        );
        for (const lease of sent) {
          if (!this.isHeld(lease)) continue; // released while the statement ran
          const cancelRequested = answered.get(claimKey(lease.task.id, lease.task.leaseOwner));
          if (cancelRequested === undefined) {
            this.leases.delete(lease);
            lease.holder.leaseLost(lease);
          } else if (cancelRequested) {
            lease.holder.cancelRequested(lease);
          }
        }
      })
      .catch((error: unknown) => this.logger.warn(`Lease renewal failed: ${describeThrown(error).message}`))
      .finally(() => (this.renewing = undefined));
  }

  /** Waits for the renewal under way, if any. */
  async settle(): Promise<void> {
    await this.renewing;
  }
}

const claimKey = (taskId: string, leaseOwner: string) => `${leaseOwner} ${taskId}`;
