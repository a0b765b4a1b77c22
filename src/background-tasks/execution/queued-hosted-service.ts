import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { TaskChanges } from '../events/task-changes.js';
import { AfterCommitHooks } from '../queue/after-commit-hooks.js';
import { QueueWakeSignal } from '../queue/queue-wake-signal.js';
import { queueOrder, type ClaimedTask, type LeaseRequest } from '../storage/task-records.js';
import { TaskStore, type TaskNotificationSubscription } from '../storage/task-store.js';
import { EndingWriter } from './ending-writer.js';
import { Mutex } from '../../shared/mutex.js';
import { retryBackoffMs, sleep } from './retry-backoff.js';
import { RetryPolicy } from './retry-policy.js';
import { TaskRegistry } from './task-registry.js';
import { TaskRun } from './task-run.js';

/**
 * The worker: claims due tasks and runs them, WORKER_CONCURRENCY at a time, in every process with
 * APP_ROLE `all` or `worker`.
 *
 * - Claims take up to min(free slots, BatchSize) tasks in one statement, one round at a time (a mutex),
 *   each round under a fresh lease owner `<worker id>#<round>` that fences every later write.
 * - With WORKER_PREFETCH > 0 it also claims that many tasks ahead, so that a freed slot starts the next
 *   task without a round trip; a prefetched task that waits longer than a second goes back to the queue
 *   (its attempt given back), so long-running tasks do not keep work from idle workers.
 * - A task enqueued in this process while a slot is free and nothing due waits ahead of it is inserted
 *   already leased to this worker and starts without a claim round (offerSlot; PostgreSQL and SQLite).
 * - It wakes on an enqueue in this process, on a PostgreSQL NOTIFY from another one, when a slot frees up
 *   while work is waiting, and every PollingDelay regardless.
 * - Running tasks renew their leases; a task whose lease was lost is aborted and writes nothing more.
 * - Expired leases (a crashed worker) are returned to the queue once per PollingDelay, by any worker.
 * - A database error never stops the loop: it is logged and retried with backoff.
 * - On shutdown it stops claiming, aborts running handlers' signals, waits up to SHUTDOWN_GRACE_PERIOD and
 *   puts whatever is unfinished back to `enqueued`.
 */
/** How long a prefetched task may wait for a slot before it goes back to the queue for another worker. */
const PREFETCH_HOLD_MS = 1_000;

/** A free slot offered to a task this process is enqueueing: see QueuedHostedService.offerSlot. */
export interface SlotOffer {
  /** The lease the task is inserted with when nothing waits ahead of it. */
  readonly lease: LeaseRequest;
  /** Runs the task, inserted already leased to this worker. */
  start(task: ClaimedTask): void;
  /** Gives the slot back: the task went to the queue (or the insert failed). */
  decline(): void;
}

interface PrefetchedTask {
  readonly task: ClaimedTask;
  readonly claimedAt: number;
}

@Injectable()
export class QueuedHostedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueuedHostedService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private claimRound = 0;
  /** Runs whose lease this worker holds, until their ending is stored; keyed by task id. */
  private readonly runs = new Map<string, TaskRun>();
  /** Runs whose handler has not returned yet: these occupy the concurrency slots. */
  private activeRuns = 0;
  /** Claimed tasks waiting for a slot (WORKER_PREFETCH), oldest first; their leases are renewed too. */
  private readonly prefetched: PrefetchedTask[] = [];
  /** Slots promised to tasks being enqueued in this process (offerSlot), not running yet. */
  private offeredSlots = 0;
  private offersSettled: (() => void) | undefined;
  /** The task names this worker has executors for, known once it starts. */
  private names: string[] = [];
  /** Set when prefetched tasks went back unstarted: no claiming ahead until a slot frees up. */
  private prefetchPaused = false;
  private readonly claimMutex = new Mutex();
  private readonly leaseWrites = new Mutex();
  private readonly endings: EndingWriter;
  private readonly retryPolicy: RetryPolicy;
  private loop: Promise<void> | undefined;
  private stopping = false;
  /**
   * Whether due work may be waiting: the last claim round filled its limit, or the loop was woken (or
   * polled) while it had no room to claim. A slot or a lease freeing up then starts a claim round at once.
   */
  private moreWorkMayWait = false;
  private lastMaintenanceAt = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private renewing: Promise<void> | undefined;
  private notifications: TaskNotificationSubscription | undefined;
  private runsSettled: (() => void) | undefined;
  /** When the last claim round finished (health reporting). */
  lastClaimRoundAt: Date | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly config: BackgroundTasksConfig,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly changes: TaskChanges,
    private readonly afterCommit: AfterCommitHooks,
  ) {
    this.endings = new EndingWriter(store, this.leaseWrites, this.logger, changes);
    this.retryPolicy = new RetryPolicy(config.retryDelaysMs);
  }

  get isRunning(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Handlers running now. */
  get activeRunCount(): number {
    return this.activeRuns;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runsWorker) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.loop) return;
    const names = this.registry.names();
    this.names = names;
    if (names.length === 0) {
      this.logger.warn('No @BackgroundTask providers are registered: the worker has nothing to run');
    }
    this.notifications = await this.store.subscribeToNewTasks(() => this.wakeSignal.notify());
    this.heartbeatTimer = setInterval(() => this.renewLeases(), this.config.heartbeatIntervalMs);
    this.loop = this.runLoop(names);
    this.logger.log(
      `Worker ${this.workerId} started: concurrency ${this.config.concurrency}, batch ${this.config.batchSize}, ` +
        `polling every ${this.config.pollingDelayMs} ms, lease ${this.config.leaseDurationMs} ms, ` +
        `tasks: ${names.join(', ') || 'none'}`,
    );
  }

  private async runLoop(names: string[]): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.startPrefetchedRuns();
      const limit = this.claimLimit();
      if (limit > 0 && names.length > 0) {
        let claimed: ClaimedTask[];
        try {
          await this.maintainWhenDue();
          claimed = await this.claimMutex.run(() => this.claim(names, limit));
          failures = 0;
        } catch (error) {
          failures++;
          const delay = retryBackoffMs(failures);
          this.logger.error(`Claim round failed (${String(error)}); retrying in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        this.changes.publish(claimed.map((task) => task.id));
        const claimedAt = Date.now();
        // Started in queue order: UPDATE … RETURNING gives its rows in no particular order.
        for (const task of claimed.sort(queueOrder)) this.prefetched.push({ task, claimedAt });
        this.startPrefetchedRuns();
        this.moreWorkMayWait = claimed.length === limit;
        if (this.moreWorkMayWait) continue;
      } else {
        // No room (or nothing to run): whatever woke the loop may be waiting, for the next free slot.
        this.moreWorkMayWait = true;
      }
      await this.wakeSignal.wait(this.config.pollingDelayMs);
    }
  }

  /**
   * How many tasks to claim now: one per free slot, plus WORKER_PREFETCH ahead. While every slot is busy the
   * prefetch buffer is topped up only once half of it is used, so that claims stay batches.
   *
   * A run keeps its lease until its ending is stored, so runs waiting for the ending writer count against
   * the same budget: when endings fall behind, claiming slows down with them instead of piling up leased
   * rows that every renewal and every ending statement would then have to step over.
   */
  private claimLimit(): number {
    const { concurrency, batchSize } = this.config;
    const ahead = this.leaseBudget() - concurrency;
    const room = this.leaseBudget() - this.runs.size - this.prefetched.length - this.offeredSlots;
    if (room <= 0) return 0;
    const free = concurrency - this.activeRuns - this.offeredSlots; // > 0 only when the buffer is empty
    if (free > 0) return Math.min(batchSize, room);
    return room >= Math.min(batchSize, Math.ceil(ahead / 2)) ? Math.min(batchSize, room) : 0;
  }

  /** Leases this worker may hold at once: its slots, plus WORKER_PREFETCH unless claiming ahead is paused. */
  private leaseBudget(): number {
    return this.config.concurrency + (this.prefetchPaused ? 0 : this.config.prefetch);
  }

  /**
   * A free slot for a task this process is enqueueing, when this worker could start it at once: it runs,
   * has a slot free and no claimed task waiting for one, and has an executor for the task. The enqueue then
   * inserts the task already leased to this worker (TaskStore.enqueueClaimed) and hands it over with
   * `start`, or gives the slot back with `decline` when the task went to the queue instead.
   */
  offerSlot(name: string): SlotOffer | undefined {
    const { concurrency, leaseDurationMs } = this.config;
    if (!this.isRunning || this.prefetched.length > 0 || !this.names.includes(name)) return undefined;
    if (this.activeRuns + this.offeredSlots >= concurrency) return undefined;
    if (this.runs.size + this.offeredSlots >= this.leaseBudget()) return undefined; // endings behind
    this.offeredSlots++;
    let open = true;
    const giveBack = () => {
      if (!open) return;
      open = false;
      this.offeredSlots--;
      if (this.offeredSlots === 0) this.offersSettled?.();
    };
    return {
      lease: { leaseOwner: `${this.workerId}#${++this.claimRound}`, leaseDurationMs, names: this.names },
      start: (task) => {
        giveBack();
        if (this.stopping)
          void this.release(task); // the worker began to stop meanwhile: back to the queue
        else this.startRun(task);
      },
      decline: () => {
        giveBack();
        this.startPrefetchedRuns(); // a claim round may have left a task waiting for this slot
      },
    };
  }

  private startPrefetchedRuns(): void {
    // A slot offered to a task being enqueued is taken: a claim round that was under way when it was offered
    // leaves its task waiting in the buffer instead of running one task too many.
    while (this.activeRuns + this.offeredSlots < this.config.concurrency && this.prefetched.length > 0) {
      this.startRun(this.prefetched.shift()!.task);
    }
  }

  private async claim(names: string[], limit: number): Promise<ClaimedTask[]> {
    const claimed = await this.store.claim({
      leaseOwner: `${this.workerId}#${++this.claimRound}`,
      limit,
      leaseDurationMs: this.config.leaseDurationMs,
      names,
    });
    this.lastClaimRoundAt = new Date();
    return claimed;
  }

  /**
   * Once per PollingDelay, before claiming: tasks whose worker vanished (expired lease) and suspended tasks
   * whose time has come go back to the queue, so that this very round can claim them.
   */
  private async maintainWhenDue(): Promise<void> {
    if (Date.now() - this.lastMaintenanceAt < this.config.pollingDelayMs) return;
    this.lastMaintenanceAt = Date.now();
    const recovered = await this.store.recoverExpiredLeases();
    if (recovered > 0) this.logger.warn(`Returned ${recovered} task(s) with expired leases to the queue`);
    const resumed = await this.store.resumeDueTasks();
    if (resumed > 0) this.logger.log(`Resumed ${resumed} suspended task(s) whose time had come`);
  }

  private startRun(task: ClaimedTask): void {
    const { registry, store, retryPolicy, logger, changes, afterCommit } = this;
    const run = new TaskRun(task, { registry, store, retryPolicy, logger, changes, afterCommit });
    this.runs.set(task.id, run);
    this.activeRuns++;
    void this.runToItsEnding(run);
  }

  /** Runs the handler, frees its slot, and hands the ending to the writer; the lease is held until it is stored. */
  private async runToItsEnding(run: TaskRun): Promise<void> {
    const { task } = run;
    try {
      const finished = await run.execute();
      this.activeRuns--;
      this.prefetchPaused = false;
      this.startPrefetchedRuns();
      // A slot is free: claim again at once if more work may be waiting.
      if (this.moreWorkMayWait) this.wakeSignal.notify();
      if (finished && !(await this.endings.submit(finished))) {
        this.logger.warn(
          `Task ${task.id} (${task.name}): ending rejected, the lease had moved to another worker`,
        );
      }
    } catch (error) {
      this.logger.error(`Task ${task.id} (${task.name}): ${String(error)}`);
    } finally {
      this.runs.delete(task.id);
      if (this.runs.size === 0) this.runsSettled?.();
      // Its lease is given up: room for another claim if more work may be waiting.
      if (this.moreWorkMayWait) this.wakeSignal.notify();
    }
  }

  /**
   * Extends the leases of every run whose ending is not stored yet. A run missing from the answer lost its
   * lease (it expired while the database was unreachable, or this process stalled) and is aborted; a run
   * whose task someone asked to cancel is aborted too, which is how a cancellation reaches a running
   * handler within one heartbeat.
   */
  private renewLeases(): void {
    this.releaseStalePrefetched();
    if (this.renewing || (this.runs.size === 0 && this.prefetched.length === 0)) return;
    const runs = [...this.runs.values()];
    const waiting = [...this.prefetched];
    const owners = [...new Set([...runs, ...waiting].map((held) => held.task.leaseOwner))];
    const { leaseDurationMs } = this.config;
    this.renewing = this.leaseWrites
      // A lease is extended once a third of it is used: for leases up to 1.5 s that is every heartbeat,
      // for longer ones it leaves two thirds of the lease, at least two heartbeats, as slack.
      .run(() => this.store.renewLeases(owners, leaseDurationMs, (leaseDurationMs * 2) / 3))
      .then((renewals) => {
        const held = new Map(renewals.map((renewal) => [renewal.id, renewal]));
        // Prefetched tasks not started yet: a lost lease simply drops one; a cancellation request ends it
        // (see release). One pass: the buffer may hold a thousand entries.
        const waitingNow = new Set(waiting);
        this.prefetched.splice(
          0,
          this.prefetched.length,
          ...this.prefetched.filter((entry) => {
            if (!waitingNow.has(entry)) return true; // prefetched after this renewal was sent
            const renewal = held.get(entry.task.id);
            if (!renewal) {
              this.logger.warn(
                `Task ${entry.task.id} (${entry.task.name}): prefetched, but its lease was lost`,
              );
            } else if (renewal.cancelRequested) {
              void this.release(entry.task);
            }
            return renewal !== undefined && !renewal.cancelRequested;
          }),
        );
        for (const run of runs) {
          const renewal = held.get(run.task.id);
          // A run removed meanwhile had its ending stored, which also ends its lease.
          if (!renewal && this.runs.get(run.task.id) === run)
            run.abort('lease-lost', 'its lease renewal was rejected');
          else if (renewal?.cancelRequested) run.abort('cancelled');
        }
      })
      .catch((error: unknown) => this.logger.warn(`Lease renewal failed: ${String(error)}`))
      .finally(() => (this.renewing = undefined));
  }

  /** Prefetched tasks that waited too long for a slot go back to the queue, where an idle worker takes them. */
  private releaseStalePrefetched(): void {
    const cutoff = Date.now() - PREFETCH_HOLD_MS;
    while (this.prefetched.length > 0 && this.prefetched[0].claimedAt < cutoff) {
      this.prefetchPaused = true;
      void this.release(this.prefetched.shift()!.task);
    }
  }

  /**
   * Gives an unstarted task back: `enqueued` with its attempt returned, or `cancelled` when a cancellation
   * was requested meanwhile (the ending statement decides that under the row lock).
   */
  private release(task: ClaimedTask, progress = task.progress): Promise<boolean> {
    return this.endings.submit({
      id: task.id,
      leaseOwner: task.leaseOwner,
      ending: { kind: 'released' },
      progress,
    });
  }

  async stop(): Promise<void> {
    if (!this.loop || this.stopping) return;
    this.stopping = true;
    this.wakeSignal.notify();
    await this.loop;
    // An enqueue holding an offer finishes its insert; its task then goes back to the queue (see offerSlot).
    await this.waitForOffers(this.config.shutdownGracePeriodMs);
    for (const { task } of this.prefetched.splice(0)) void this.release(task);
    await this.notifications?.unsubscribe();
    const interrupted = this.runs.size;
    for (const run of this.runs.values()) run.abort('shutdown');
    if (interrupted > 0) {
      this.logger.log(
        `Stopping: waiting up to ${this.config.shutdownGracePeriodMs} ms for ${interrupted} running task(s)`,
      );
      await this.waitForRuns(this.config.shutdownGracePeriodMs);
    }
    await this.releaseUnfinishedRuns();
    clearInterval(this.heartbeatTimer);
    await this.renewing;
    await this.endings.stop();
    this.logger.log(`Worker ${this.workerId} stopped`);
  }

  private waitForOffers(timeoutMs: number): Promise<void> {
    if (this.offeredSlots === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.offersSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private waitForRuns(timeoutMs: number): Promise<void> {
    if (this.runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.runsSettled = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Handlers that ignored their signal past the grace period: their tasks go back to the queue now. */
  private async releaseUnfinishedRuns(): Promise<void> {
    // Only runs whose handler is still going: a run that returned already has its ending queued.
    const stragglers = [...this.runs.values()].filter((run) => run.isExecuting);
    if (stragglers.length === 0) return;
    this.logger.warn(
      `${stragglers.length} task(s) did not stop within the grace period; returning them to the queue`,
    );
    await Promise.all(
      stragglers.map((run) => {
        run.abandon();
        return this.release(run.task, run.progress.current);
      }),
    );
  }
}
