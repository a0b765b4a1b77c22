import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../database/database-config.js';
import { UnitOfWork } from '../../database/unit-of-work.js';
import {
  InjectedDatabaseError,
  InMemoryTaskStore,
  type StoreStatement,
} from '../../../test/support/in-memory-task-store.js';
import {
  behave,
  CHECKPOINTING_BEHAVIOURS,
  EXPECTED_ENDINGS,
  HANDLER_BEHAVIOURS,
  type BehaviourMetadata,
  type HandlerBehaviour,
} from '../../../test/support/handler-behaviours.js';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import type { BackgroundTaskContext } from '../contract/background-task-context.js';
import { BackgroundTask } from '../contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../contract/background-task-executor.js';
import { PostgresTaskChannels } from '../events/postgres-task-channels.js';
import { TaskEvents } from '../events/task-events.js';
import { AfterCommitHooks } from '../queue/after-commit-hooks.js';
import { BackgroundTaskQueue } from '../queue/background-task-queue.js';
import { QueueWakeSignal } from '../queue/queue-wake-signal.js';
import { AUTO_PREFETCH_MAX } from './claim-buffer.js';
import { QueuedHostedService } from './queued-hosted-service.js';
import { TaskRegistry } from '../registry/task-registry.js';
import { TaskTracing } from '../tracing/task-tracing.js';

/**
 * The worker against random sequences of what can happen to it, on the in-memory store and fake timers:
 * enqueues (handed over or claimed), handlers that finish, throw, misbehave or hang, leases lost to a
 * stall or taken by another worker, cancellations, database errors on any statement, and a shutdown. After
 * every step it checks the invariants QueuedHostedService states; at the end, that every task reached the
 * outcome its handler asked for, that no ending was lost or stored twice, and that nothing is left
 * `processing`. fast-check prints the seed, the path and the shortest failing sequence with its
 * replayPath: MODEL_SEED, MODEL_PATH and MODEL_REPLAY replay it. MODEL_RUNS sets the number of sequences.
 */

const LEASE_MS = 3_000;
const GRACE_MS = 300;
const TIMEOUT_MS = 500;
const PAYLOAD_MAX = 2_000;

/** One call of the handler, as the handler saw it: which claim (lease owner) it ran under. */
interface Invocation {
  readonly taskId: string;
  readonly owner: string;
}

/** What the handlers of one run share with the test; reset before each run. */
const world = { store: new InMemoryTaskStore(), invocations: [] as Invocation[] };

@BackgroundTask('model.task', { timeout: `${TIMEOUT_MS}ms`, maxRetryCount: 1 })
class ModelTask implements BackgroundTaskExecutor<BehaviourMetadata, { step: number }, unknown, unknown> {
  execute(context: BackgroundTaskContext<BehaviourMetadata, { step: number }>) {
    const { taskId } = context;
    world.invocations.push({ taskId, owner: world.store.rows.get(taskId)!.leaseOwner! });
    return behave(context);
  }
}

/** The state a sequence of commands runs against. */
interface Real {
  readonly store: InMemoryTaskStore;
  readonly worker: QueuedHostedService;
  readonly queue: BackgroundTaskQueue;
  readonly config: BackgroundTasksConfig;
  /** Every task enqueued, with its behaviour. */
  readonly tasks: { readonly id: string; readonly behaviour: HandlerBehaviour }[];
  /** Tasks something other than their handler acted on: their outcome is not the behaviour's. */
  readonly disturbed: Set<string>;
  /** Whether a checkpoint ever failed (a checkpointing handler then fails an attempt). */
  checkpointFaults: boolean;
  lastRenewalFaultAt: number;
}

type Model = Record<string, never>;

let registry: TaskRegistry;

beforeAll(async () => {
  const moduleRef = await Test.createTestingModule({
    imports: [DiscoveryModule],
    providers: [TaskRegistry, ModelTask],
  }).compile();
  await moduleRef.init();
  registry = moduleRef.get(TaskRegistry);
});

/** Advances fake time, running every timer and promise due meanwhile. */
const advance = (ms: number) => jest.advanceTimersByTimeAsync(ms);

/**
 * Waits for work that goes through the store: its statements answer on fake timers, so time has to move
 * (a millisecond at a time) for the promise to settle.
 */
async function whileTimePasses<T>(promise: Promise<T>): Promise<T> {
  let settled = false;
  const tracked = promise.finally(() => (settled = true));
  for (let waited = 0; !settled; waited++) {
    if (waited > 60_000) throw new Error('a store call did not settle within a minute of fake time');
    await advance(1);
  }
  return tracked;
}

const ours = (real: Real, owner: string | null) => owner?.startsWith(`${real.worker.workerId}#`) ?? false;

function checkInvariants(real: Real): void {
  const { worker, store, config } = real;
  const status = worker.status;
  const maxAhead = config.prefetch === 'auto' ? AUTO_PREFETCH_MAX : config.prefetch;
  expect(status.slotsInUse).toBeLessThanOrEqual(config.concurrency);
  expect(status.runningTasks).toBeLessThanOrEqual(config.concurrency);
  expect(status.leasesHeld + status.offers).toBeLessThanOrEqual(config.concurrency + maxAhead);
  const held = [...store.rows.values()].filter(
    (row) => row.status === 'processing' && ours(real, row.leaseOwner),
  );
  // Every row this worker holds is tracked (renewed) by it: no lease leaks.
  expect(held.length).toBeLessThanOrEqual(status.leasesHeld);
  if (Date.now() - real.lastRenewalFaultAt > LEASE_MS) {
    for (const row of held) {
      if (!real.disturbed.has(row.id)) expect(row.leaseExpiresAt!).toBeGreaterThan(Date.now());
    }
  }
  // A lease owner ends a task at most once; a task completes at most once.
  const endings = new Map<string, number>();
  for (const { id, leaseOwner, kind } of store.storedEndings) {
    endings.set(`${id} ${leaseOwner}`, (endings.get(`${id} ${leaseOwner}`) ?? 0) + 1);
    if (kind === 'completed') endings.set(`${id} completed`, (endings.get(`${id} completed`) ?? 0) + 1);
  }
  for (const count of endings.values()) expect(count).toBe(1);
}

/** Swallows the errors the model injects (and only those): the call then wrote nothing. */
const injected =
  <T>(value: T) =>
  (error: unknown): T => {
    if (error instanceof InjectedDatabaseError) return value;
    throw error;
  };

/** One of the tasks enqueued so far, picked by a random number. */
const pickTask = (real: Real, pick: number) =>
  real.tasks.length === 0 ? undefined : real.tasks[pick % real.tasks.length];

class EnqueueCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly behaviours: readonly HandlerBehaviour[],
    readonly bulk: boolean,
    readonly ms: number,
  ) {}
  check = () => true;
  async run(_: Model, real: Real): Promise<void> {
    const metadata = this.behaviours.map((behaviour) => ({ behaviour, ms: this.ms, tooLarge: PAYLOAD_MAX }));
    // An enqueue that an injected database error fails writes nothing, as with a real one.
    const enqueued = this.bulk
      ? await whileTimePasses(real.queue.enqueueMany(ModelTask, metadata).catch(injected([])))
      : await whileTimePasses(
          Promise.all(metadata.map((one) => real.queue.enqueue(ModelTask, one).catch(injected(undefined)))),
        );
    enqueued.forEach((id, index) => id && real.tasks.push({ id, behaviour: this.behaviours[index] }));
    checkInvariants(real);
  }
  toString = () => `enqueue(${this.behaviours.join(',')}${this.bulk ? ', bulk' : ''}, ${this.ms} ms)`;
}

class AdvanceCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(_: Model, real: Real): Promise<void> {
    await advance(this.ms);
    checkInvariants(real);
  }
  toString = () => `advance(${this.ms} ms)`;
}

class CancelCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(_: Model, real: Real): Promise<void> {
    const task = pickTask(real, this.pick);
    if (!task) return;
    real.disturbed.add(task.id);
    // What CancelBackgroundTaskHandler does: a waiting task at once, a running one by request.
    await whileTimePasses(real.store.cancelWaiting(task.id, { code: 'CANCELLED' }).catch(injected(false)));
    await whileTimePasses(real.store.requestCancellation(task.id).catch(injected(false)));
    checkInvariants(real);
  }
  toString = () => `cancel(#${this.pick})`;
}

/** The worker stalled past its lease on one task (the row's lease expired), or another worker took it. */
class LoseLeaseCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly pick: number,
    readonly how: 'expire' | 'steal',
  ) {}
  check = () => true;
  async run(_: Model, real: Real): Promise<void> {
    const task = pickTask(real, this.pick);
    const row = task && real.store.rows.get(task.id);
    if (!row || row.status !== 'processing') return;
    real.disturbed.add(row.id);
    if (this.how === 'expire') row.leaseExpiresAt = Date.now() - 1;
    // A thief that crashes: its lease expires later, and the sweep gives the task back.
    else Object.assign(row, { leaseOwner: 'thief#1', leaseExpiresAt: Date.now() + 500 });
    await advance(1);
    checkInvariants(real);
  }
  toString = () => `${this.how}-lease(#${this.pick})`;
}

class FaultCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly statement: StoreStatement,
    readonly times: number,
  ) {}
  check = () => true;
  async run(_: Model, real: Real): Promise<void> {
    real.store.failNext(this.statement, this.times);
    if (this.statement === 'checkpoint') real.checkpointFaults = true;
    if (this.statement === 'renewLeases') real.lastRenewalFaultAt = Date.now();
    await advance(1);
    checkInvariants(real);
  }
  toString = () => `fail(${this.statement} × ${this.times})`;
}

const STATEMENTS: StoreStatement[] = [
  'enqueue',
  'enqueueClaimed',
  'enqueueMany',
  'claim',
  'renewLeases',
  'recoverExpiredLeases',
  'resumeDueTasks',
  'saveProgress',
  'checkpoint',
  'finish',
];

const commands = fc.commands(
  [
    fc
      .tuple(
        fc.array(fc.constantFrom(...HANDLER_BEHAVIOURS), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.integer({ min: 1, max: 300 }),
      )
      .map(([behaviours, bulk, ms]) => new EnqueueCommand(behaviours, bulk, ms)),
    fc.integer({ min: 1, max: 700 }).map((ms) => new AdvanceCommand(ms)),
    fc.nat().map((pick) => new CancelCommand(pick)),
    fc
      .tuple(fc.nat(), fc.constantFrom('expire' as const, 'steal' as const))
      .map(([pick, how]) => new LoseLeaseCommand(pick, how)),
    fc
      .tuple(fc.constantFrom(...STATEMENTS), fc.integer({ min: 1, max: 2 }))
      .map(([statement, times]) => new FaultCommand(statement, times)),
  ],
  { maxCommands: 40, ...(process.env.MODEL_REPLAY ? { replayPath: process.env.MODEL_REPLAY } : {}) },
);

const settings = fc.record({
  concurrency: fc.integer({ min: 1, max: 4 }),
  batchSize: fc.integer({ min: 1, max: 6 }),
  prefetch: fc.constantFrom<number | 'auto'>(0, 1, 3, 'auto'),
  latencies: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 16, maxLength: 16 }),
  quietBeforeStop: fc.boolean(),
});

describe('QueuedHostedService (model-based, in memory)', () => {
  beforeEach(() => {
    jest.useFakeTimers({
      now: Date.parse('2026-12-01T00:00:00Z'),
      doNotFake: ['nextTick', 'queueMicrotask'],
    });
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('keeps its invariants whatever handlers, leases, cancellations and the database do', async () => {
    await fc.assert(
      fc.asyncProperty(settings, commands, async (setting, sequence) => {
        let calls = 0;
        const store = new InMemoryTaskStore(() => setting.latencies[calls++ % setting.latencies.length]);
        world.store = store;
        world.invocations = [];
        const config = new BackgroundTasksConfig({
          runsWorker: true,
          role: 'worker',
          concurrency: setting.concurrency,
          batchSize: setting.batchSize,
          prefetch: setting.prefetch,
          prefetchHoldMs: 1_000,
          pollingDelayMs: 50,
          maxRetryCount: 1,
          leaseDurationMs: LEASE_MS,
          shutdownGracePeriodMs: GRACE_MS,
          retryDelaysMs: [100],
          retentionMs: 0,
          payloadMaxBytes: PAYLOAD_MAX,
        });
        const wake = new QueueWakeSignal();
        const events = new TaskEvents();
        // SQLite's: no notification connection (the model runs one process).
        const channels = new PostgresTaskChannels(
          { engine: 'sqlite', target: { engine: 'sqlite' } } as DatabaseConfig,
          events,
        );
        // The model never enqueues inside a caller's transaction, nor more than a thousand at once: these
        // two never reach their database.
        const unusedDataSource = {} as DataSource;
        const afterCommit = new AfterCommitHooks(unusedDataSource);
        const unitOfWork = new UnitOfWork(unusedDataSource, { engine: 'sqlite' } as DatabaseConfig);
        const tracing = new TaskTracing(); // off: the model registers no OpenTelemetry SDK
        const worker = new QueuedHostedService(
          store,
          registry,
          config,
          wake,
          events,
          channels,
          afterCommit,
          tracing,
        );
        const queue = new BackgroundTaskQueue(
          store,
          registry,
          config,
          wake,
          afterCommit,
          events,
          unitOfWork,
          tracing,
          worker,
        );
        const real: Real = {
          store,
          worker,
          queue,
          config,
          tasks: [],
          disturbed: new Set(),
          checkpointFaults: false,
          lastRenewalFaultAt: -Infinity,
        };
        await worker.start();
        try {
          await fc.asyncModelRun(() => ({ model: {}, real }), sequence);
          store.clearFaults();
          if (setting.quietBeforeStop) await settleEveryTask(real);
          await whileTimePasses(worker.stop());
          await checkAfterStop(real, setting.quietBeforeStop);
        } finally {
          await whileTimePasses(worker.stop());
        }
      }),
      {
        numRuns: Number(process.env.MODEL_RUNS ?? 300),
        ...(process.env.MODEL_SEED ? { seed: Number(process.env.MODEL_SEED) } : {}),
        ...(process.env.MODEL_PATH ? { path: process.env.MODEL_PATH } : {}),
      },
    );
  }, 120_000);
});

/** No faults any more: every task reaches a final status, and the one its behaviour asked for. */
async function settleEveryTask(real: Real): Promise<void> {
  const unfinished = () =>
    real.tasks.filter(
      ({ id }) => !['completed', 'failed', 'cancelled'].includes(real.store.rows.get(id)!.status),
    );
  for (let waited = 0; unfinished().length > 0 && waited < 30_000; waited += 100) await advance(100);
  expect(unfinished()).toEqual([]);
  for (const { id, behaviour } of real.tasks) {
    if (real.disturbed.has(id)) continue;
    if (real.checkpointFaults && CHECKPOINTING_BEHAVIOURS.includes(behaviour)) continue;
    const row = real.store.rows.get(id)!;
    const error = row.error === null ? null : (JSON.parse(row.error) as { code?: string });
    const { status, code } = EXPECTED_ENDINGS[behaviour];
    expect({ behaviour, status: row.status, code: error?.code }).toEqual({ behaviour, status, code });
  }
  // Every run that nothing disturbed ended under its own lease: no ending was lost.
  const stored = new Set(real.store.storedEndings.map(({ id, leaseOwner }) => `${id} ${leaseOwner}`));
  for (const { taskId, owner } of world.invocations) {
    if (!real.disturbed.has(taskId)) expect(stored.has(`${taskId} ${owner}`)).toBe(true);
  }
}

async function checkAfterStop(real: Real, settled: boolean): Promise<void> {
  checkInvariants(real);
  expect(real.worker.status).toMatchObject({
    running: false,
    slotsInUse: 0,
    buffered: 0,
    leasesHeld: 0,
    offers: 0,
  });
  const processing = [...real.store.rows.values()].filter((row) => row.status === 'processing');
  // Only a "thief" (another worker, in the model) may still hold a task; none of ours is left running.
  expect(processing.filter((row) => ours(real, row.leaseOwner))).toEqual([]);
  if (settled) expect(processing).toEqual([]);
  // Its heartbeat row went with it: the console does not list a worker that stopped cleanly.
  expect(await whileTimePasses(real.store.workers())).toEqual([]);
}
