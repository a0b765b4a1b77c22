import { setTimeout as sleep } from 'node:timers/promises';
import {
  preciseNow,
  type QueueFactory,
  type QueueSettings,
  type QueueUnderTest,
} from './queue-under-test.js';
import { summarizeLatencies } from './stats.js';
import { analyzeSchema } from './storage.js';
import { WorkerProcesses } from './worker-processes.js';

export type QueueScenario =
  | 'enqueue-one'
  | 'enqueue-bulk'
  | 'drain-1-process'
  | 'drain-2-processes'
  | 'drain-backlog'
  | 'pickup-same-process'
  | 'pickup-other-process'
  | 'pickup-after-burst';

export const QUEUE_SCENARIOS: readonly QueueScenario[] = [
  'enqueue-one',
  'enqueue-bulk',
  'drain-1-process',
  'drain-2-processes',
  'drain-backlog',
  'pickup-same-process',
  'pickup-other-process',
  'pickup-after-burst',
];

/** One measurement: a rate (tasks per second) or a latency (p50, with p95 and max). */
export interface Figure {
  readonly value: number;
  readonly unit: 'tasks/s' | 'ms';
  readonly p95?: number;
  readonly max?: number;
}

/** The sizes of the scenarios; BENCH_SCALE (e.g. 0.1) shrinks them for a quick look. */
export const SIZES = (() => {
  const scale = Number(process.env.BENCH_SCALE ?? 1);
  const sized = (n: number) => Math.max(1, Math.round(n * scale));
  return {
    enqueueOne: sized(5_000),
    enqueueBulk: sized(50_000),
    bulkBatch: 1_000,
    drain: sized(50_000),
    drainConcurrency: 8,
    pickupSamples: Math.max(20, sized(300)),
  };
})();

/** Everything one scenario needs: the queue module (for worker processes) and fresh storage for it. */
export interface ScenarioContext {
  readonly queueModuleUrl: string;
  readonly createQueue: QueueFactory;
  readonly settings: QueueSettings;
  /** Runs after the queue's tables exist and before the measurement (e.g. to fill the table). */
  readonly beforeMeasure?: () => Promise<void>;
}

export interface ScenarioResult {
  readonly library: string;
  readonly configuration: string;
  readonly figure: Figure;
}

export async function runScenario(
  scenario: QueueScenario,
  context: ScenarioContext,
): Promise<ScenarioResult> {
  const queue = await context.createQueue(context.settings);
  try {
    await queue.prepare();
    await context.beforeMeasure?.();
    const figure = await measure(scenario, queue, context);
    return { library: queue.library, configuration: queue.configuration, figure };
  } finally {
    await queue.close();
  }
}

async function measure(
  scenario: QueueScenario,
  queue: QueueUnderTest,
  context: ScenarioContext,
): Promise<Figure> {
  {
    switch (scenario) {
      case 'enqueue-one':
        return await enqueueOneAtATime(queue, SIZES.enqueueOne);
      case 'enqueue-bulk':
        return await enqueueInBulk(queue, SIZES.enqueueBulk, SIZES.bulkBatch);
      case 'drain-1-process':
        return await drain(queue, context, 1);
      case 'drain-2-processes':
        return await drain(queue, context, 2);
      case 'pickup-same-process':
        return await pickupInSameProcess(queue);
      case 'pickup-other-process':
        return await pickupFromOtherProcess(queue, context);
      case 'drain-backlog':
        return await drainBacklog(queue, context);
      case 'pickup-after-burst':
        return await pickupAfterBurst(queue, context);
    }
  }
}

async function enqueueOneAtATime(queue: QueueUnderTest, count: number): Promise<Figure> {
  for (let i = 0; i < 100; i++) await queue.enqueue({}); // warm-up: connections, prepared statements
  const start = preciseNow();
  for (let i = 0; i < count; i++) await queue.enqueue({});
  return rate(count, preciseNow() - start);
}

async function enqueueInBulk(queue: QueueUnderTest, count: number, batch: number): Promise<Figure> {
  await queue.enqueueBatch(batch); // warm-up
  const start = preciseNow();
  for (let done = 0; done < count; done += batch) await queue.enqueueBatch(Math.min(batch, count - done));
  return rate(count, preciseNow() - start);
}

/**
 * Idle workers in their own processes, then all tasks in one bulk call (one commit, so every worker sees
 * them at once). The drain runs from the first handler start to the moment no task is left unfinished,
 * checked every 5 ms on the harness's own connection.
 */
async function drain(queue: QueueUnderTest, context: ScenarioContext, processes: number): Promise<Figure> {
  const workers = await WorkerProcesses.start(
    context.queueModuleUrl,
    context.settings,
    processes,
    SIZES.drainConcurrency,
  );
  try {
    await queue.enqueueBatch(SIZES.drain);
    let end = preciseNow();
    while (await queue.hasUnfinished()) {
      await sleep(5);
      end = preciseNow();
    }
    if (workers.firstStarts.length === 0) throw new Error('the workers reported no task start');
    return rate(SIZES.drain, end - Math.min(...workers.firstStarts));
  } finally {
    await workers.stop();
  }
}

/**
 * A backlog, then a worker: all tasks enqueued first, then one worker process (loaded, its worker not
 * started) is told to start. Timed from that moment, its boot included, until no task is left unfinished:
 * how a harness that times a worker from its start to the last completion the database confirms sees it.
 */
async function drainBacklog(queue: QueueUnderTest, context: ScenarioContext): Promise<Figure> {
  const workers = await WorkerProcesses.start(
    context.queueModuleUrl,
    context.settings,
    1,
    SIZES.drainConcurrency,
    true,
  );
  try {
    await queue.enqueueBatch(SIZES.drain);
    const startedAt = await workers.startWorkers();
    let end = preciseNow();
    while (await queue.hasUnfinished()) {
      await sleep(5);
      end = preciseNow();
    }
    return rate(SIZES.drain, end - startedAt);
  } finally {
    await workers.stop();
  }
}

/** A worker in this process, started tasks resolving the waiter of their sample number. */
async function sameProcessWorker(queue: QueueUnderTest) {
  const waiters = new Map<number, (at: number) => void>();
  const counter = { started: 0 };
  const worker = await queue.startWorker({
    concurrency: SIZES.drainConcurrency,
    onTaskStart: ({ sample }) => {
      const at = preciseNow();
      counter.started++;
      if (sample !== undefined) waiters.get(sample)?.(at);
    },
  });
  const startOf = (sample: number) => new Promise<number>((resolve) => waiters.set(sample, resolve));
  return { worker, startOf, counter };
}

async function pickupInSameProcess(queue: QueueUnderTest): Promise<Figure> {
  const { worker, startOf } = await sameProcessWorker(queue);
  try {
    return await samplePickups(queue, startOf);
  } finally {
    await worker.stop();
  }
}

/**
 * Pickups right after a burst: 50,000 tasks arrive, the statistics are refreshed while they wait (as
 * autovacuum does once a burst outlasts its naptime), the worker (in this process, as the enqueues) drains
 * them, then 300 tasks are enqueued one at a time on the now idle queue, 0–500 ms apart (a fixed
 * pseudo-random sequence), with no warm-up: whatever the burst left behind (dead index entries, statistics
 * of a full queue, plans) shows. The harness reads nothing from the queue meanwhile: it counts the starts
 * its handler reports, then leaves the queue a second to store the last endings. (A completion check of
 * its own would walk, and so clean up, the very index entries the burst left behind.)
 */
async function pickupAfterBurst(queue: QueueUnderTest, context: ScenarioContext): Promise<Figure> {
  await queue.enqueueBatch(SIZES.drain);
  if (!context.settings.databaseUrl.startsWith('sqlite:')) await analyzeSchema(context.settings.schema);
  const { worker, startOf, counter } = await sameProcessWorker(queue);
  try {
    while (counter.started < SIZES.drain) await sleep(5);
    await sleep(1_000);
    let seed = 20261201;
    const pause = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31; // a linear congruential generator: the same pauses every run
      return Math.floor((seed / 2 ** 31) * 500);
    };
    return await samplePickups(queue, startOf, { warmUps: 0, pause });
  } finally {
    await worker.stop();
  }
}

async function pickupFromOtherProcess(queue: QueueUnderTest, context: ScenarioContext): Promise<Figure> {
  const workers = await WorkerProcesses.start(
    context.queueModuleUrl,
    context.settings,
    1,
    SIZES.drainConcurrency,
  );
  try {
    return await samplePickups(queue, (sample) => workers.sampleStart(sample));
  } finally {
    await workers.stop();
  }
}

/**
 * Enqueue → handler start on an idle queue, one sample at a time with a pause between them (so that the
 * worker is waiting, not finishing the previous task). Ten warm-up samples are not counted, by default.
 */
async function samplePickups(
  queue: QueueUnderTest,
  startOf: (sample: number) => Promise<number>,
  { warmUps = 10, pause = () => 20 }: { warmUps?: number; pause?: () => number } = {},
): Promise<Figure> {
  const latencies: number[] = [];
  for (let sample = -warmUps; sample < SIZES.pickupSamples; sample++) {
    const started = startOf(sample);
    const enqueuedAt = preciseNow();
    await queue.enqueue({ sample });
    const latency = (await withTimeout(started, 10_000, `pickup sample ${sample}`)) - enqueuedAt;
    if (sample >= 0) latencies.push(latency);
    await sleep(pause());
  }
  const { p50, p95, max } = summarizeLatencies(latencies);
  return { value: p50, unit: 'ms', p95, max };
}

function rate(count: number, elapsedMs: number): Figure {
  return { value: (count / elapsedMs) * 1000, unit: 'tasks/s' };
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
