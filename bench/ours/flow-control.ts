/**
 * Flow control's benchmark (README "Flow control"): 50,000 tasks of key A enqueued, then 20 of key B, and
 * one worker process (WORKER_CONCURRENCY 16) started to drain them all, three ways in one run:
 *
 * - `fifo`: a kind without flow control (the plain claim, oldest first);
 * - `fair`: `fairness: 'key'` (each claim round takes tasks round-robin over the keys with work);
 * - `limited`: `concurrency` and `concurrencyPerKey` of 10,000, limits that never bind (the worker holds at
 *   most 16 running + 1,000 prefetched), so that the figure
 *   is the cost of counting them under the name's lock at every claim.
 *
 * Printed: how long B's tasks waited from the first start of the drain (p50, p95: by the database's clock,
 * from started_at), and the drain's throughput (first start to last completion) against `fifo`'s. Each
 * mode registers its own task only, so that no worker pays for a claim of another mode's name.
 *
 *   npm run bench:flow          (BENCH_ENGINES=postgres,sqlite; BENCH_SCALE=0.1 for a quick look)
 */
import 'reflect-metadata';
import { Module, type Type } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskEvents } from '../../src/background-tasks/events/task-events.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrator.js';
import { describeMachine } from '../harness/machine.js';
import { quantile } from '../harness/stats.js';
import { freshStorage, type BenchEngine } from '../harness/storage.js';
import { bootApp, benchEnvironment } from './queue.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const BACKLOG = Math.round(50_000 * SCALE);
const NEWCOMERS = 20;
const CONCURRENCY = 16;

@BackgroundTask('bench.flow-fifo')
class FifoTask implements BackgroundTaskExecutor<object, void, void> {
  execute(_: BackgroundTaskContext<object>) {
    return Promise.resolve(TaskOutcome.success());
  }
}
@BackgroundTask('bench.flow-fair', { fairness: 'key' })
class FairTask implements BackgroundTaskExecutor<object, void, void> {
  execute(_: BackgroundTaskContext<object>) {
    return Promise.resolve(TaskOutcome.success());
  }
}
@BackgroundTask('bench.flow-limited', { concurrency: 10_000, concurrencyPerKey: 10_000 })
class LimitedTask implements BackgroundTaskExecutor<object, void, void> {
  execute(_: BackgroundTaskContext<object>) {
    return Promise.resolve(TaskOutcome.success());
  }
}

const MODES = { fifo: FifoTask, fair: FairTask, limited: LimitedTask } as const;
type Mode = keyof typeof MODES;

interface Figures {
  readonly waitP50Ms: number;
  readonly waitP95Ms: number;
  readonly perSecond: number;
}

/** Milliseconds between two timestamp columns, by the database. */
const msBetween = (engine: BenchEngine, from: string, to: string) =>
  engine === 'sqlite'
    ? `(julianday(${to}) - julianday(${from})) * 86400000.0`
    : `extract(epoch FROM ${to} - ${from}) * 1000`;

async function measure(engine: BenchEngine, mode: Mode): Promise<Figures> {
  const storage = await freshStorage(engine);
  const task: Type<FifoTask> = MODES[mode];
  @Module({ providers: [task] })
  class ModeTasks {}
  const env = (role: string) =>
    loadAppConfig(
      benchEnvironment(storage.settings, {
        APP_ROLE: role,
        WORKER_CONCURRENCY: String(CONCURRENCY),
        BatchSize: '1000',
        WORKER_PREFETCH: '1000',
      }),
    );
  try {
    await runMigrations(env('api').database);
    const api = await bootApp(env('api'), [ModeTasks]);
    const queue = api.get(BackgroundTaskQueue);
    for (let done = 0; done < BACKLOG; done += 1_000) {
      const count = Math.min(1_000, BACKLOG - done);
      await queue.enqueueMany(
        task,
        Array.from({ length: count }, () => ({})),
        { concurrencyKey: 'A' },
      );
    }
    await queue.enqueueMany(
      task,
      Array.from({ length: NEWCOMERS }, () => ({})),
      { concurrencyKey: 'B' },
    );
    const dataSource = api.get(DataSource);
    const table =
      engine === 'sqlite' ? 'background_tasks' : `"${storage.settings.schema}"."background_tasks"`;
    const worker = await bootApp(env('worker'), [ModeTasks]);
    const sizes: number[] = [];
    const claimMs: number[] = [];
    worker.get(TaskEvents).subscribe((event) => {
      if (event.kind === 'claimed' && event.claimMs !== undefined) {
        sizes.push(event.runs.length);
        claimMs.push(event.claimMs);
      }
    });
    try {
      for (;;) {
        const [row] = await dataSource.query<{ n: number }[]>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE status <> 'completed'`,
        );
        if (Number(row.n) === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await worker.close();
    }
    if (process.env.BENCH_FLOW_DEBUG) {
      const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      console.log(
        `${mode}: ${sizes.length} claims with tasks, ${total(sizes)} tasks, ${Math.round(total(claimMs))} ms claiming`,
      );
    }
    const first = `(SELECT MIN(started_at) FROM ${table})`;
    const waits = (
      await dataSource.query<{ ms: number }[]>(
        `SELECT ${msBetween(engine, first, 'started_at')} AS ms FROM ${table} WHERE concurrency_key = 'B'`,
      )
    )
      .map((row) => Number(row.ms))
      .sort((a, b) => a - b);
    const [span] = await dataSource.query<{ ms: number }[]>(
      `SELECT ${msBetween(engine, 'MIN(started_at)', 'MAX(completed_at)')} AS ms FROM ${table}`,
    );
    await api.close();
    return {
      waitP50Ms: quantile(waits, 0.5),
      waitP95Ms: quantile(waits, 0.95),
      perSecond: ((BACKLOG + NEWCOMERS) * 1000) / Number(span.ms),
    };
  } finally {
    await storage.drop();
  }
}

const engines = (process.env.BENCH_ENGINES ?? 'postgres,sqlite').split(',') as BenchEngine[];
console.log(`# Flow control, ${new Date().toISOString()}`);
console.log(await describeMachine());
console.log(
  `${BACKLOG} tasks of key A, then ${NEWCOMERS} of key B; one worker process, WORKER_CONCURRENCY ${CONCURRENCY}, ` +
    'BatchSize 1000, WORKER_PREFETCH 1000',
);
console.log('| engine | claim | B waited p50 | B waited p95 | drain tasks/s | against fifo |');
console.log('| --- | --- | ---: | ---: | ---: | ---: |');
for (const engine of engines) {
  const figures = new Map<Mode, Figures>();
  for (const mode of Object.keys(MODES) as Mode[]) {
    const result = await measure(engine, mode);
    figures.set(mode, result);
    const ratio = result.perSecond / figures.get('fifo')!.perSecond;
    console.log(
      `| ${engine} | ${mode} | ${Math.round(result.waitP50Ms)} ms | ${Math.round(result.waitP95Ms)} ms | ` +
        `${Math.round(result.perSecond)} | ${ratio.toFixed(2)}× |`,
    );
  }
}
