import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { PostgresTaskChannels } from '../events/postgres-task-channels.js';
import { TaskEvents, type ClaimedRun, type TaskEvent } from '../events/task-events.js';
import { AfterCommitHooks } from '../queue/after-commit-hooks.js';
import { QueueWakeSignal } from '../queue/queue-wake-signal.js';
import { queueOrder, type ClaimedTask, type LeaseRequest } from '../model/task-records.js';
import { TaskStore } from '../storage/task-store.js';
import { Mutex } from '../../shared/mutex.js';
import { ClaimBuffer, claimLimit } from './claim-buffer.js';
import { EndingWriter } from './ending-writer.js';
import { ENDING_UNDER_WAY, LeaseKeeper, type HeldLease } from './lease-keeper.js';
import { retryBackoffMs } from './retry-backoff.js';
import { QueueMaintenance } from './queue-maintenance.js';
import { RetryPolicy } from './retry-policy.js';
import { describeThrown } from './run-errors.js';
import { RunSupervisor } from './run-supervisor.js';
import { StateChanges } from './state-changes.js';
import { TaskRegistry } from '../registry/task-registry.js';
import { FLOW_CLAIM_MAX } from '../flow/flow-claim.js';
import { goesByKey, type FlowPolicy } from '../flow/flow-policy.js';
import type { LocalHandOver, SlotOffer } from '../model/local-hand-over.js';
import { WorkerHeartbeats } from './worker-heartbeats.js';
import { WorkerSlots } from './worker-slots.js';
import type { WorkerStatus } from './worker-status.js';
import { TaskTracing } from '../tracing/task-tracing.js';

/**
 * The worker, in every process with APP_ROLE `all` or `worker`: one loop that claims due tasks (a round at
 * a time, each under a fresh lease owner `<worker id>#<round>` that fences every later write) and waits for
 * a wake-up (an enqueue here, a PostgreSQL NOTIFY, a slot or a lease freeing up while more work may wait,
 * or PollingDelay). Its parts, each with the invariant written in its own file:
 *
 * - WorkerSlots: at most WORKER_CONCURRENCY handlers run (or hand-overs are under way), whatever they do.
 * - ClaimBuffer: claimed tasks waiting for a slot; each starts or goes back within the hold time.
 * - LeaseKeeper: every lease held is renewed until its ending is stored or the task released.
 * - RunSupervisor: a run gives its slot back in `finally`, its lease once its ending settled.
 * - EndingWriter: every ending settles once; a database that is away costs retries, a refused entry only
 *   its own task.
 * - TaskRun: whatever a handler does ends that one run, with a stable error code.
 *
 * Between them:
 * 1. Leases held (buffered + running + endings under way) + hand-overs under way + the limit of the claim
 *    round under way ≤ WORKER_CONCURRENCY + the buffer's allowance: claims and hand-overs stop while
 *    endings fall behind, and a hand-over never takes room a claim round already counts on.
 * 2. A buffered task starts only in a slot just acquired for it; a hand-over holds its slot from the offer.
 * 3. After `stop()`: no slot in use, nothing buffered, and every lease released (stored, fenced out, or
 *    given up to expiry when the database stayed away past the deadline).
 * Expired leases (a crashed worker's) go back to the queue once per PollingDelay, by any worker. The worker
 * writes a heartbeat of its own (WorkerHeartbeats) from its start to its stop, for the operator console.
 */
@Injectable()
export class QueuedHostedService implements LocalHandOver, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(QueuedHostedService.name);
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly slots: WorkerSlots;
  private readonly buffer: ClaimBuffer;
  private readonly leases: LeaseKeeper;
  private readonly endings: EndingWriter;
  private readonly runs: RunSupervisor;
  private readonly state = new StateChanges();
  private readonly maintenance: QueueMaintenance;
  private readonly heartbeats: WorkerHeartbeats;
  /** Hand-overs under way: slots offered to enqueues in this process whose insert has not answered. */
  private offers = 0;
  /** The limit of the claim round under way: leases it may bring, reserved against the budget. */
  private claiming = 0;
  private names = new Set<string>();
  /** The names this worker claims with the plain claim: those without flow control. */
  private plainNames: string[] = [];
  /** The flow-controlled names this worker runs, each claimed on its own (TaskStore.claimFlow). */
  private flowPolicies = new Map<string, FlowPolicy>();
  /** Names with a concurrency limit whose last claim took fewer than it asked for: a place may be missing. */
  private readonly shortOfPlaces = new Set<string>();
  /**
   * Flow-controlled names whose last claim found nothing to take, with when: each is claimed again once
   * half a PollingDelay has passed (the next poll), or as soon as something says a task of it may wait (noteNewWork, a NOTIFY, a
   * place given back), not in every round: a flow claim is a transaction of several statements, which a
   * name without work (the CMS's imports, most of the time) should not cost every round of a busy worker.
   */
  private readonly idleFlowNames = new Map<string, number>();
  private claimRound = 0;
  private loop: Promise<void> | undefined;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  /** The last claim round filled its limit, or a wake-up found no room: claim again as soon as there is. */
  private moreWorkMayWait = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopListening: (() => void) | undefined;
  /** When the last claim round answered (health reporting). */
  lastClaimRoundAt: Date | undefined;

  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly config: BackgroundTasksConfig,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly events: TaskEvents,
    private readonly channels: PostgresTaskChannels,
    afterCommit: AfterCommitHooks,
    private readonly tracing: TaskTracing,
  ) {
    const { logger } = this;
    const leaseWrites = new Mutex(); // renewals and endings take turns (see LeaseKeeper)
    this.slots = new WorkerSlots(config.concurrency);
    const release = (lease: HeldLease) => this.runs.releaseUnstarted(lease);
    this.buffer = new ClaimBuffer(config.prefetch, release, logger, config.prefetchHoldMs);
    this.leases = new LeaseKeeper(store, leaseWrites, config.leaseDurationMs, logger);
    this.endings = new EndingWriter(store, leaseWrites, logger, events);
    this.maintenance = new QueueMaintenance(store, config.pollingDelayMs, logger, events);
    const { concurrency, leaseDurationMs, pollingDelayMs, role } = config;
    const identity = {
      id: this.workerId,
      host: hostname(),
      pid: process.pid,
      role,
      concurrency,
      leaseDurationMs,
      pollingDelayMs,
    };
    this.heartbeats = new WorkerHeartbeats(store, identity, () => this.heartbeatSnapshot(), logger);
    const { payloadMaxBytes, shutdownGracePeriodMs: abortGraceMs } = config;
    const retryPolicy = new RetryPolicy(config.retryDelaysMs);
    const runDependencies = {
      registry,
      store,
      retryPolicy,
      logger,
      events,
      afterCommit,
      payloadMaxBytes,
      abortGraceMs,
    };
    this.runs = new RunSupervisor(runDependencies, this.leases, this.endings, logger, {
      slotFreed: () => {
        this.buffer.slotFreed();
        this.startBufferedRuns();
        this.changed();
      },
      leaseReleased: (name) => {
        // A task that ended gave its place back, which a task left waiting by the last claim may take.
        if (this.shortOfPlaces.delete(name)) {
          this.idleFlowNames.delete(name);
          this.wakeSignal.notify();
        }
        this.changed();
      },
    });
  }

  get isRunning(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** Handlers running now. */
  get activeRunCount(): number {
    return this.runs.size;
  }

  get status(): WorkerStatus {
    const { slots, buffer } = this;
    return {
      running: this.isRunning,
      concurrency: slots.capacity,
      slotsInUse: slots.inUse,
      runningTasks: this.runs.size,
      buffered: buffer.size,
      bufferAllowance: buffer.allowance(),
      bufferMode: buffer.mode,
      leasesHeld: this.leases.size,
      offers: this.offers,
      lastClaimRoundAt: this.lastClaimRoundAt,
      waitingForWork: this.wakeSignal.waiting,
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
    for (const task of this.registry.all()) {
      if (task.definition.flow) this.flowPolicies.set(task.name, task.definition.flow);
    }
    this.plainNames = [...this.names].filter((name) => !this.flowPolicies.has(name));
    for (const [name, policy] of this.flowPolicies) {
      if (!goesByKey(policy)) continue;
      // Tasks enqueued before the kind went by key have no key, which its keyed claim would never read.
      const adopted = await this.store.adoptUnkeyedTasks(name).catch((error: unknown) => {
        this.logger.warn(`Could not give ${name}'s waiting tasks a key: ${describeThrown(error).message}`);
        return 0;
      });
      if (adopted > 0) this.logger.log(`${adopted} waiting task(s) of ${name} now have the key '' (no key)`);
    }
    if (this.names.size === 0) {
      this.logger.warn('No @BackgroundTask providers are registered: the worker has nothing to run');
    }
    const stopHearing = await this.channels.onNewTasks(() => {
      this.idleFlowNames.clear(); // a task of any name may have come
      this.wakeSignal.notify();
    });
    const stopWatching = this.events.subscribe((event) => this.noteNewWork(event));
    this.stopListening = () => {
      stopHearing();
      stopWatching();
    };
    this.heartbeat = setInterval(() => this.onHeartbeat(), this.config.heartbeatIntervalMs);
    this.loop = this.runLoop();
    this.heartbeats.start();
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
          this.moreWorkMayWait = await this.claim(limit);
          failures = 0;
          if (this.moreWorkMayWait) continue;
        } catch (error) {
          const delay = retryBackoffMs(++failures);
          this.logger.error(`Claim round failed (${describeThrown(error).message}); retrying in ${delay} ms`);
          await this.state.until(() => this.stopping, Date.now() + delay); // wake-ups do not cut it short
          continue;
        }
      } else {
        this.moreWorkMayWait = true; // whatever woke the loop may be waiting, for the next free slot
      }
      await this.wakeSignal.wait(this.config.pollingDelayMs);
    }
  }

  private claimLimit(): number {
    const { concurrency, batchSize } = this.config;
    const { slots, buffer } = this;
    const room = { freeSlots: slots.free, buffered: buffer.size, leasesPromised: this.leasesPromised() };
    return claimLimit({ concurrency, batchSize, allowance: buffer.allowance(), ...room });
  }

  /** Leases held, plus those that hand-overs and the claim round under way may bring (invariant 1). */
  private leasesPromised(): number {
    return this.leases.size + this.offers + this.claiming;
  }

  /** One claim round; whether more work may wait (a claim of it took all it asked for). */
  private async claim(limit: number): Promise<boolean> {
    this.claiming = limit;
    let claimed: ClaimedTask[];
    let filled: boolean;
    let startedAt: number;
    let endedAt: number;
    try {
      await this.maintenance.runWhenDue();
      startedAt = performance.now();
      ({ claimed, filled } = await this.claimEachGroup(limit));
      endedAt = performance.now();
      if (claimed.length > 0) {
        this.events.emit({ kind: 'claimed', runs: claimed.map(claimedRun), claimMs: endedAt - startedAt });
      }
    } finally {
      this.claiming = 0;
    }
    this.lastClaimRoundAt = new Date();
    const claim = { kind: 'claim-round', startedAt, endedAt, claimedTogether: claimed.length } as const;
    // Started in queue order: UPDATE … RETURNING gives its rows in no particular order.
    const leases = claimed
      .sort(queueOrder)
      .map((task) =>
        this.leases.track(
          task,
          this.buffer,
          this.tracing.enabled ? this.tracing.runSpan(task, claim) : undefined,
        ),
      );
    for (const refused of this.buffer.add(leases)) this.runs.releaseUnstarted(refused);
    this.startBufferedRuns();
    return filled;
  }

  /**
   * One claim round: the plain names in one statement, each flow-controlled name in a claim of its own,
   * all under the round's lease owner, within the round's limit. The group that goes first turns with
   * each round, so that neither the plain names nor any flow-controlled name takes every round's room.
   * A flow-controlled claim is told how many tasks this worker can start now and how many it may buffer:
   * a claimed task is `processing` and holds a place under its limits while it waits for a slot here, so
   * of a limit's places beyond those it can start now it takes half at most (placesToTake), and never the
   * last ones. `filled`: some claim took all it asked for.
   */
  private async claimEachGroup(limit: number): Promise<{ claimed: ClaimedTask[]; filled: boolean }> {
    const lease = this.leaseRequest();
    const groups: (string | undefined)[] = [
      ...(this.plainNames.length > 0 ? [undefined] : []),
      ...this.flowPolicies.keys(),
    ];
    const first = this.claimRound % groups.length;
    const claimed: ClaimedTask[] = [];
    let filled = false;
    for (const name of [...groups.slice(first), ...groups.slice(0, first)]) {
      const room = limit - claimed.length;
      if (room <= 0) break;
      const policy = name === undefined ? undefined : this.flowPolicies.get(name);
      let asked = room;
      let got: ClaimedTask[];
      if (name === undefined || !policy) {
        got = await this.store.claim({ ...lease, names: this.plainNames, limit: room });
      } else {
        const idleSince = this.idleFlowNames.get(name);
        if (idleSince !== undefined && Date.now() - idleSince < this.config.pollingDelayMs / 2) continue;
        const startableNow = Math.max(0, Math.min(room, this.slots.free - this.buffer.size - claimed.length));
        // A rate limit counts a start when its task is claimed: claimed ahead, it would start later.
        const prefetch = policy.rateLimit ? 0 : room - startableNow;
        if (startableNow + prefetch <= 0) continue;
        got = await this.store.claimFlow({ ...lease, name, policy, limit: startableNow, prefetch });
        asked = Math.min(startableNow + prefetch, FLOW_CLAIM_MAX);
        const holdsPlaces = policy.concurrency !== undefined || policy.concurrencyPerKey !== undefined;
        if (holdsPlaces && got.length < asked) this.shortOfPlaces.add(name);
        else this.shortOfPlaces.delete(name);
        if (got.length === 0) this.idleFlowNames.set(name, Date.now());
        else this.idleFlowNames.delete(name);
      }
      claimed.push(...got);
      if (got.length === asked) filled = true;
    }
    return { claimed, filled };
  }

  /**
   * A fresh lease owner, with the names of the plain claim: a hand-over's look-ahead asks whether a task of
   * those waits ahead (a flow-controlled task waiting ahead may be held back by its limits, and a flow
   * claim names its one name itself).
   */
  private leaseRequest(): LeaseRequest {
    const { leaseDurationMs } = this.config;
    return { leaseOwner: `${this.workerId}#${++this.claimRound}`, leaseDurationMs, names: this.plainNames };
  }

  private startBufferedRuns(): void {
    while (this.isRunning && this.buffer.size > 0) {
      const releaseSlot = this.slots.tryAcquire();
      if (!releaseSlot) return;
      this.runs.start(this.buffer.take()!, releaseSlot);
    }
  }

  /**
   * A free slot for a task this process is enqueueing, when this worker could start it at once: it runs,
   * has a slot free and no claimed task waiting for one, room in its lease budget, and an executor for the
   * task. The enqueue then inserts the task already leased to this worker (TaskStore.enqueueClaimed) and
   * hands it over with `start`, or gives the slot back with `decline` when the task went to the queue.
   */
  offerSlot(name: string): SlotOffer | undefined {
    if (!this.isRunning || this.buffer.size > 0 || !this.names.has(name)) return undefined;
    if (this.flowPolicies.has(name)) return undefined; // its limits are counted by its claim only
    if (this.leasesPromised() >= this.config.concurrency + this.buffer.allowance()) return undefined;
    const releaseSlot = this.slots.tryAcquire();
    if (!releaseSlot) return undefined;
    this.offers++;
    const offeredAt = performance.now();
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
        this.events.emit({ kind: 'claimed', runs: [claimedRun(task)] });
        const claim = {
          kind: 'hand-over',
          startedAt: offeredAt,
          endedAt: performance.now(),
          claimedTogether: 1,
        } as const;
        const trace = this.tracing.enabled ? this.tracing.runSpan(task, claim) : undefined;
        const lease = this.leases.track(task, ENDING_UNDER_WAY, trace);
        if (this.isRunning) {
          this.buffer.recordStart();
          this.runs.start(lease, releaseSlot);
        } else {
          releaseSlot(); // the worker began to stop meanwhile: back to the queue
          this.runs.releaseUnstarted(lease);
        }
      },
      decline: () => {
        if (!close()) return;
        releaseSlot();
        this.startBufferedRuns(); // a claim round may have left a task waiting for this slot
      },
    };
  }

  /** What the worker's heartbeat row shows (see WorkerHeartbeats). */
  private heartbeatSnapshot() {
    return {
      slotsInUse: this.slots.inUse,
      prefetched: this.buffer.size,
      claims: this.names.size > 0,
      lastClaimAt: this.lastClaimRoundAt,
      running: this.runs.runningTasks(),
    };
  }

  private onHeartbeat(): void {
    for (const lease of this.buffer.takeExpired()) this.runs.releaseUnstarted(lease);
    this.leases.renew();
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
    await this.state.until(() => this.offers === 0, deadline);
    for (const lease of this.buffer.stop()) this.runs.releaseUnstarted(lease);
    this.stopListening?.();
    if (this.runs.size > 0) {
      this.logger.log(`Stopping: waiting up to ${grace} ms for ${this.runs.size} running task(s)`);
    }
    // Each run settles within the grace period: its handler returns, or the run is abandoned (TaskRun).
    this.runs.abortAll('shutdown');
    await this.state.until(() => this.runs.size === 0, deadline + grace);
    // Endings still failing get as long again; their leases stay renewed until they are stored.
    await this.endings.stop(Math.max(deadline, Date.now()) + grace);
    await this.state.until(() => this.leases.size === 0, Date.now() + grace);
    clearInterval(this.heartbeat);
    await this.leases.settle();
    await this.heartbeats.stop();
    this.logger.log(`Worker ${this.workerId} stopped`);
  }

  /** Events of this process that may bring a task of an idle flow-controlled name back into the queue. */
  private noteNewWork(event: TaskEvent): void {
    if (this.idleFlowNames.size === 0) return;
    switch (event.kind) {
      case 'enqueued':
      case 'queue-resumed':
        this.idleFlowNames.delete(event.name);
        return;
      case 'resumed':
      case 'retried':
        this.idleFlowNames.delete(event.task.name);
        return;
      case 'released':
        for (const run of event.runs) this.idleFlowNames.delete(run.name);
        return;
      case 'ended':
        // A retry later, or another attempt: back in the queue.
        for (const run of event.runs) if (run.ending === 'retrying') this.idleFlowNames.delete(run.name);
        return;
      case 'bulk-changed':
        if (event.action !== 'retry') return;
        if (event.name === null) this.idleFlowNames.clear();
        else this.idleFlowNames.delete(event.name);
        return;
      case 'leases-recovered':
      case 'due-resumed':
        this.idleFlowNames.clear();
        return;
      default:
        return;
    }
  }

  /** Something the loop or a stop waits for may have changed: a slot, a lease, an offer. */
  private changed(): void {
    this.state.changed();
    if (this.moreWorkMayWait) this.wakeSignal.notify();
  }
}

function claimedRun({ id, name, attempts, maxAttempts, runAfter, claimedAt }: ClaimedTask): ClaimedRun {
  return {
    id,
    name,
    attempt: attempts,
    maxAttempts,
    waitMs: Math.max(0, claimedAt.getTime() - runAfter.getTime()),
  };
}
