import { setTimeout as sleep } from 'node:timers/promises';
import {
  preciseNow,
  type QueueFactory,
  type QueueSettings,
  type QueueUnderTest,
} from './queue-under-test.js';
import { summarizeLatencies } from './stats.js';
import { WorkerProcesses } from './worker-processes.js';

export type QueueScenario =
  | 'enqueue-one'
  | 'enqueue-bulk'
  | 'drain-1-process'
  | 'drain-2-processes'
  | 'pickup-same-process'
  | 'pickup-other-process';

export const QUEUE_SCENARIOS: readonly QueueScenario[] = [
  'enqueue-one',
  'enqueue-bulk',
  'drain-1-process',
  'drain-2-processes',
  'pickup-same-process',
  'pickup-other-process',
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

async function pickupInSameProcess(queue: QueueUnderTest): Promise<Figure> {
  const waiters = new Map<number, (at: number) => void>();
  const worker = await queue.startWorker({
    concurrency: SIZES.drainConcurrency,
    onTaskStart: ({ sample }) => {
      const at = preciseNow();
      if (sample !== undefined) waiters.get(sample)?.(at);
    },
  });
  try {
    return await samplePickups(queue, (sample) => new Promise((resolve) => waiters.set(sample, resolve)));
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
 * worker is waiting, not finishing the previous task). Ten warm-up samples are not counted.
 */
async function samplePickups(
  queue: QueueUnderTest,
  startOf: (sample: number) => Promise<number>,
): Promise<Figure> {
  const latencies: number[] = [];
  for (let sample = -10; sample < SIZES.pickupSamples; sample++) {
    const started = startOf(sample);
    const enqueuedAt = preciseNow();
    await queue.enqueue({ sample });
    const latency = (await withTimeout(started, 10_000, `pickup sample ${sample}`)) - enqueuedAt;
    if (sample >= 0) latencies.push(latency);
    await sleep(20);
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
