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
import { Mutex } from '../../shared/mutex.js';
import { ClaimBuffer } from './claim-buffer.js';
import { EndingWriter } from './ending-writer.js';
import { ENDING_UNDER_WAY, LeaseKeeper, type HeldLease, type LeaseHolder } from './lease-keeper.js';
import { retryBackoffMs } from './retry-backoff.js';
import { RetryPolicy } from './retry-policy.js';
import { describeThrown } from './run-errors.js';
import { TaskRegistry } from './task-registry.js';
import { TaskRun, type TaskRunDependencies } from './task-run.js';
import { WorkerSlots, type SlotRelease } from './worker-slots.js';

/** A free slot offered to a task this process is enqueueing: see QueuedHostedService.offerSlot. */
export interface SlotOffer {
  /** The lease the task is inserted with when nothing waits ahead of it. */
  readonly lease: LeaseRequest;
  /** Runs the task, inserted already leased to this worker. */
  start(task: ClaimedTask): void;
  /** Gives the slot back: the task went to the queue (or the insert failed). */
  decline(): void;
}

/** What the worker holds now: every count its invariants are about (health, metrics, tests). */
export interface WorkerStatus {
  readonly running: boolean;
  readonly concurrency: number;
  /** Slots taken by running handlers and by hand-overs under way (≤ concurrency). */
  readonly slotsInUse: number;
  /** Handlers running now. */
  readonly runningTasks: number;
  /** Claimed tasks waiting for a slot, and how many may wait now. */
  readonly buffered: number;
  readonly bufferAllowance: number;
  readonly bufferMode: ClaimBuffer['mode'];
  /** Rows this worker holds in `processing`: buffered, running, and endings not stored yet. */
  readonly leasesHeld: number;
  /** Hand-overs under way: enqueues offered a slot whose insert has not answered. */
  readonly offers: number;
}

/**
 * The worker: claims due tasks and runs them, in every process with APP_ROLE `all` or `worker`. One loop
 * claims (one round at a time, each under a fresh lease owner `<worker id>#<round>` that fences every later
 * write), and waits for a wake-up: an enqueue in this process, a PostgreSQL NOTIFY, a slot or a lease
 * freeing up while more work may wait, or PollingDelay. Its parts, each with its own invariant:
 *
 * - WorkerSlots: at most WORKER_CONCURRENCY handlers run (or hand-overs are under way), whatever they do.
 * - ClaimBuffer: claimed tasks waiting for a slot; each starts or goes back within the hold time.
 * - LeaseKeeper: every lease held is renewed until its ending is stored or the task released.
 * - EndingWriter: every ending settles once; a database that is away costs retries, a refused entry only
 *   its own task.
 * - TaskRun: whatever a handler does ends that one run, with a stable error code.
 *
 * Between them:
 * 1. Leases held (buffered + running + endings under way) + offers + the limit of the claim round under
 *    way ≤ WORKER_CONCURRENCY + the buffer's allowance: claims and hand-overs stop while endings fall
 *    behind, and a hand-over never takes room a claim round already counts on.
 * 2. A slot is taken before a run starts and released in the `finally` that follows it; a lease is
 *    released only after its ending settled or its loss was reported.
 * 3. After `stop()`: no slot in use, nothing buffered, and every lease released (stored, fenced out, or
 *    given up to expiry when the database stayed away past the deadline).
 * Expired leases (a crashed worker's) go back to the queue once per PollingDelay, by any worker.
 */
@Injectable()
export class QueuedHostedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueuedHostedService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly slots: WorkerSlots;
  private readonly buffer: ClaimBuffer;
  private readonly leases: LeaseKeeper;
  private readonly endings: EndingWriter;
  private readonly runDependencies: TaskRunDependencies;
  /** Runs whose handler has not settled, nor been abandoned. */
  private readonly runs = new Set<TaskRun>();
  /** Slots offered to enqueues in this process whose insert has not answered yet. */
  private offers = 0;
  /** The limit of the claim round under way: leases it may bring, reserved against the budget. */
  private claiming = 0;
  private names = new Set<string>();
  private claimRound = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** The last claim round filled its limit, or a wake-up found no room: claim again as soon as there is. */
  private moreWorkMayWait = false;
  private lastMaintenanceAt = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private notifications: TaskNotificationSubscription | undefined;
  private readonly stateChanged = new Set<() => void>();
  /** The holder of every buffered claim's lease. */
  private readonly buffered: LeaseHolder = {
    leaseLost: (lease) => {
      if (this.buffer.remove(lease)) {
        this.logger.warn(`Task ${lease.task.id} (${lease.task.name}): prefetched, but its lease was lost`);
      }
    },
    cancelRequested: (lease) => {
      if (this.buffer.remove(lease)) this.releaseUnstarted(lease);
    },
  };
  /** When the last claim round finished (health reporting). */
  lastClaimRoundAt: Date | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly config: BackgroundTasksConfig,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly changes: TaskChanges,
    afterCommit: AfterCommitHooks,
  ) {
    const leaseWrites = new Mutex();
    this.slots = new WorkerSlots(config.concurrency);
    this.buffer = new ClaimBuffer(config.prefetch);
    this.leases = new LeaseKeeper(store, leaseWrites, config.leaseDurationMs, this.logger);
    this.endings = new EndingWriter(store, leaseWrites, this.logger, changes);
    const { payloadMaxBytes, shutdownGracePeriodMs: abortGraceMs } = config;
    const retryPolicy = new RetryPolicy(config.retryDelaysMs);
    const { logger } = this;
    this.runDependencies = {
      registry,
      store,
      retryPolicy,
      logger,
      changes,
      afterCommit,
      payloadMaxBytes,
      abortGraceMs,
    };
  }

  get isRunning(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Handlers running now. */
  get activeRunCount(): number {
    return this.runs.size;
  }

  get status(): WorkerStatus {
    return {
      running: this.isRunning,
      concurrency: this.slots.capacity,
      slotsInUse: this.slots.inUse,
      runningTasks: this.runs.size,
      buffered: this.buffer.size,
      bufferAllowance: this.buffer.allowance(),
      bufferMode: this.buffer.mode,
      leasesHeld: this.leases.size,
      offers: this.offers,
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.runsWorker) await this.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  async start(): Promise<void> {
    if (this.loop) return;
    this.names = new Set(this.registry.names());
    if (this.names.size === 0) {
      this.logger.warn('No @BackgroundTask providers are registered: the worker has nothing to run');
    }
    this.notifications = await this.store.subscribeToNewTasks(() => this.wakeSignal.notify());
    this.heartbeat = setInterval(() => this.onHeartbeat(), this.config.heartbeatIntervalMs);
    this.loop = this.runLoop();
    const { concurrency, batchSize, prefetch, pollingDelayMs, leaseDurationMs } = this.config;
    this.logger.log(
      `Worker ${this.workerId} started: concurrency ${concurrency}, batch ${batchSize}, prefetch ${prefetch}, ` +
        `polling every ${pollingDelayMs} ms, lease ${leaseDurationMs} ms, tasks: ${[...this.names].join(', ') || 'none'}`,
    );
  }

  private async runLoop(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      const limit = this.claimLimit();
      if (limit > 0 && this.names.size > 0) {
        try {
          this.moreWorkMayWait = (await this.claim(limit)) === limit;
          failures = 0;
          if (this.moreWorkMayWait) continue;
        } catch (error) {
          const delay = retryBackoffMs(++failures);
          this.logger.error(`Claim round failed (${describeThrown(error).message}); retrying in ${delay} ms`);
          await this.until(() => this.stopping, Date.now() + delay); // wake-ups do not cut a backoff short
          continue;
        }
      } else {
        this.moreWorkMayWait = true; // whatever woke the loop may be waiting, for the next free slot
      }
      await this.wakeSignal.wait(this.config.pollingDelayMs);
    }
  }

  /**
   * How many tasks to claim now: one per free slot plus the buffer's allowance, within the lease budget
   * (invariant 1). While every slot is busy the buffer is topped up only once half of it is used, so that
   * claims stay batches.
   */
  private claimLimit(): number {
    const { concurrency, batchSize } = this.config;
    const ahead = this.buffer.allowance();
    const room = concurrency + ahead - this.leasesPromised();
    if (room <= 0) return 0;
    if (this.slots.free > this.buffer.size) return Math.min(batchSize, room);
    if (ahead === 0) return 0;
    return room >= Math.min(batchSize, Math.ceil(ahead / 2)) ? Math.min(batchSize, room) : 0;
  }

  /** Leases held, plus those that offers and the claim round under way may bring: what invariant 1 bounds. */
  private leasesPromised(): number {
    return this.leases.size + this.offers + this.claiming;
  }

  private async claim(limit: number): Promise<number> {
    this.claiming = limit;
    let claimed: ClaimedTask[];
    try {
      await this.maintainWhenDue();
      claimed = await this.store.claim({ ...this.leaseRequest(), limit });
    } finally {
      this.claiming = 0;
    }
    this.lastClaimRoundAt = new Date();
    this.changes.publish(claimed.map((task) => task.id));
    // Started in queue order: UPDATE … RETURNING gives its rows in no particular order.
    const leases = claimed.sort(queueOrder).map((task) => this.leases.track(task, this.buffered));
    for (const refused of this.buffer.add(leases)) this.releaseUnstarted(refused);
    this.startBufferedRuns();
    return claimed.length;
  }

  private leaseRequest(): LeaseRequest {
    const { leaseDurationMs } = this.config;
    return { leaseOwner: `${this.workerId}#${++this.claimRound}`, leaseDurationMs, names: [...this.names] };
  }

  /**
   * A free slot for a task this process is enqueueing, when this worker could start it at once: it runs,
   * has a slot free and no claimed task waiting for one, room in its lease budget, and an executor for the
   * task. The enqueue then inserts the task already leased to this worker (TaskStore.enqueueClaimed) and
   * hands it over with `start`, or gives the slot back with `decline` when the task went to the queue.
   */
  offerSlot(name: string): SlotOffer | undefined {
    if (!this.isRunning || this.buffer.size > 0 || !this.names.has(name)) return undefined;
    if (this.leasesPromised() >= this.config.concurrency + this.buffer.allowance()) return undefined;
    const releaseSlot = this.slots.tryAcquire();
    if (!releaseSlot) return undefined;
    this.offers++;
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      this.offers--;
      this.changed();
      return true;
    };
    return {
      lease: this.leaseRequest(),
      start: (task) => {
        if (!close()) return;
        const lease = this.leases.track(task, ENDING_UNDER_WAY);
        if (this.isRunning) {
          this.buffer.recordStart();
          this.startRun(lease, releaseSlot);
        } else {
          releaseSlot(); // the worker began to stop meanwhile: back to the queue
          this.releaseUnstarted(lease);
        }
      },
      decline: () => {
        if (!close()) return;
        releaseSlot();
        this.startBufferedRuns(); // a claim round may have left a task waiting for this slot
      },
    };
  }

  private startBufferedRuns(): void {
    while (this.isRunning && this.buffer.size > 0) {
      const releaseSlot = this.slots.tryAcquire();
      if (!releaseSlot) return;
      this.startRun(this.buffer.take()!, releaseSlot);
    }
  }

  private startRun(lease: HeldLease, releaseSlot: SlotRelease): void {
    const run = new TaskRun(lease.task, this.runDependencies);
    this.runs.add(run);
    lease.holder = run; // a run stops itself when its lease is lost or its task cancelled
    void this.runToItsEnding(run, lease, releaseSlot);
  }

  /** Runs the handler, frees its slot, and hands the ending to the writer; the lease is held until it settles. */
  private async runToItsEnding(run: TaskRun, lease: HeldLease, releaseSlot: SlotRelease): Promise<void> {
    const { task } = run;
    try {
      const finished = await run.execute();
      releaseSlot();
      this.runs.delete(run);
      lease.holder = ENDING_UNDER_WAY;
      this.slotFreed();
      if (finished && (await this.endings.submit(finished)) === 'fenced') {
        this.logger.warn(
          `Task ${task.id} (${task.name}): ending rejected, the lease had moved to another worker`,
        );
      }
    } catch (error) {
      this.logger.error(`Task ${task.id} (${task.name}): ${describeThrown(error).message}`); // a bug: execute never rejects
    } finally {
      releaseSlot();
      this.runs.delete(run);
      this.leases.release(lease);
      this.changed(); // its lease is given up: room for another claim if more work may be waiting
    }
  }

  private slotFreed(): void {
    this.buffer.slotFreed();
    this.startBufferedRuns();
    this.changed();
  }

  /**
   * Gives a claimed task that never started back: `enqueued` with its attempt returned, or `cancelled` when a
   * cancellation was requested meanwhile (the ending statement decides that under the row lock).
   */
  private releaseUnstarted(lease: HeldLease): void {
    lease.holder = ENDING_UNDER_WAY;
    const { id, leaseOwner, attempts: attempt, progress } = lease.task;
    void this.endings.submit({ id, leaseOwner, attempt, ending: { kind: 'released' }, progress }).then(() => {
      this.leases.release(lease);
      this.changed();
    });
  }

  private onHeartbeat(): void {
    for (const lease of this.buffer.takeExpired()) this.releaseUnstarted(lease);
    this.leases.renew();
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

  /** Stops claiming, lets running handlers stop (SHUTDOWN_GRACE_PERIOD each), and gives everything back. */
  stop(): Promise<void> {
    if (!this.loop) return Promise.resolve();
    if (!this.stopped) {
      this.stopping = true;
      this.stopped = this.shutDown(this.loop);
    }
    return this.stopped;
  }

  private async shutDown(loop: Promise<void>): Promise<void> {
    const grace = this.config.shutdownGracePeriodMs;
    const deadline = Date.now() + grace;
    this.wakeSignal.notify();
    this.changed(); // ends a claim backoff
    await loop;
    // An enqueue holding an offer finishes its insert; its task then goes back to the queue (see offerSlot).
    await this.until(() => this.offers === 0, deadline);
    for (const lease of this.buffer.stop()) this.releaseUnstarted(lease);
    await this.notifications?.unsubscribe();
    if (this.runs.size > 0)
      this.logger.log(`Stopping: waiting up to ${grace} ms for ${this.runs.size} running task(s)`);
    // Each run settles within the grace period: its handler returns, or the run is abandoned (TaskRun).
    for (const run of this.runs) run.abort('shutdown');
    await this.until(() => this.runs.size === 0, deadline + grace);
    // Endings still failing get as long again; leases stay renewed until they are stored.
    await this.endings.stop(Math.max(deadline, Date.now()) + grace);
    await this.until(() => this.leases.size === 0, Date.now() + grace);
    clearInterval(this.heartbeat);
    await this.leases.settle();
    this.logger.log(`Worker ${this.workerId} stopped`);
  }

  private changed(): void {
    for (const listener of this.stateChanged) listener();
    if (this.moreWorkMayWait) this.wakeSignal.notify();
  }

  /** Resolves once `condition` holds (checked at every state change) or at `deadline`, whichever is first. */
  private until(condition: () => boolean, deadline: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.stateChanged.delete(check);
        resolve();
      };
      const check = () => condition() && done();
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.stateChanged.add(check);
    });
  }
}
