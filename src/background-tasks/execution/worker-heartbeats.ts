import type { Logger } from '@nestjs/common';
import type { WorkerHeartbeat, WorkerRunningTask } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { describeThrown } from './run-errors.js';

/** At most this many of a worker's running tasks are named in its heartbeat: it is a row, not a task list. */
export const MAX_REPORTED_RUNS = 100;

/** Who a worker is: what its heartbeat says that does not change while it runs. */
export interface WorkerIdentity {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly role: string;
  readonly concurrency: number;
  readonly leaseDurationMs: number;
  readonly pollingDelayMs: number;
}

/** What a worker holds at one heartbeat, read from it just before the write. */
export interface WorkerSnapshot {
  readonly slotsInUse: number;
  readonly prefetched: number;
  /** Whether it claims at all (it has task names to run). */
  readonly claims: boolean;
  readonly lastClaimAt: Date | undefined;
  readonly running: readonly WorkerRunningTask[];
}

/**
 * Whether a worker's claim loop is stalled: it has a slot free and names to claim, but no claim round has
 * answered for longer than a healthy loop ever waits (it claims at least once per PollingDelay while it has
 * room, so three of those, or a lease duration if that is longer, is a loop stuck in a statement that does
 * not answer, or failing round after round). A worker with every slot taken does not claim, and is not stalled.
 */
export function claimLoopStalled(
  identity: Pick<WorkerIdentity, 'concurrency' | 'leaseDurationMs' | 'pollingDelayMs'>,
  snapshot: Pick<WorkerSnapshot, 'slotsInUse' | 'claims' | 'lastClaimAt'>,
  startedAt: Date,
  now: number,
): boolean {
  if (!snapshot.claims || snapshot.slotsInUse >= identity.concurrency) return false;
  const since = (snapshot.lastClaimAt ?? startedAt).getTime();
  return now - since > Math.max(identity.leaseDurationMs, 3 * identity.pollingDelayMs);
}

/** How often a worker writes its heartbeat: three times per lease, and at least every 5 s for the console. */
export function workerHeartbeatIntervalMs(leaseDurationMs: number): number {
  return Math.max(50, Math.min(Math.floor(leaseDurationMs / 3), 5_000));
}

/**
 * A worker's row in background_task_workers, which the operator console's workers page reads: written when
 * the worker starts, then every workerHeartbeatIntervalMs, and deleted when it stops. A worker that stops
 * writing (killed, frozen, cut off from the database) is shown as gone once its lease duration has passed,
 * and its row is deleted by any worker's queue maintenance after GONE_WORKER_KEPT_LEASES of them.
 *
 * Invariants: at most one write is under way (a beat that comes while the last is unanswered is skipped, so
 * a slow database never piles them up); a failed write costs a warning, never the worker (the console is
 * the only reader); after `stop()` no write follows the delete.
 */
export class WorkerHeartbeats {
  private readonly startedAt = new Date();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopped = false;
  /** Whether the last write failed: its warning is logged once, until a write succeeds again. */
  private failing = false;

  constructor(
    private readonly store: TaskStore,
    private readonly identity: WorkerIdentity,
    private readonly snapshot: () => WorkerSnapshot,
    private readonly logger: Logger,
  ) {}

  /**
   * Writes the first heartbeat (so the worker is listed as soon as it answers) and starts the timer. Not
   * awaited by the worker's start: a database slow to answer delays the console's row, not the worker.
   */
  start(): void {
    void this.beat();
    this.timer = setInterval(
      () => void this.beat(),
      workerHeartbeatIntervalMs(this.identity.leaseDurationMs),
    );
  }

  /** Writes one heartbeat now, unless one is under way (then that one is the answer). */
  beat(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.writing ??= this.write().finally(() => (this.writing = undefined));
    return this.writing;
  }

  /** Stops the timer, waits for a write under way, and deletes the row. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.writing;
    await this.store.forgetWorker(this.identity.id).catch((error: unknown) => {
      this.logger.warn(`Could not delete this worker's heartbeat: ${describeThrown(error).message}`);
    });
  }

  private async write(): Promise<void> {
    const snapshot = this.snapshot();
    const { id, host, pid, role, concurrency, leaseDurationMs } = this.identity;
    const beat: WorkerHeartbeat = {
      id,
      host,
      pid,
      role,
      concurrency,
      leaseDurationMs,
      slotsInUse: snapshot.slotsInUse,
      prefetched: snapshot.prefetched,
      stalled: claimLoopStalled(this.identity, snapshot, this.startedAt, Date.now()),
      startedAt: this.startedAt,
      lastClaimAt: snapshot.lastClaimAt ?? null,
      running: snapshot.running.slice(0, MAX_REPORTED_RUNS),
    };
    try {
      await this.store.reportWorker(beat);
      this.failing = false;
    } catch (error) {
      if (!this.failing) {
        this.logger.warn(`Could not write this worker's heartbeat: ${describeThrown(error).message}`);
      }
      this.failing = true;
    }
  }
}
