/**
 * This project as a {@link QueueUnderTest}: the real application (AppModule) in a Nest application context,
 * with the benchmark's no-op task. Enqueues go through BackgroundTaskQueue, as a command handler's would.
 */
import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module.js';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrator.js';
import type {
  QueueFactory,
  QueueSettings,
  QueueUnderTest,
  RunningWorker,
  WorkerOptions,
} from '../harness/queue-under-test.js';
import { OUR_LIBRARY } from '../harness/results.js';
import { BENCH_WORK_DIR } from '../harness/storage.js';
import { BenchProbe, BenchTasksModule, NoopBenchTask } from './bench-tasks.js';

/**
 * The two configurations measured: `defaults` (what a user starts with: BatchSize 50, WORKER_PREFETCH auto)
 * and `tuned` (a local queue of 1,000 claimed 1,000 at a time, what the README advises for many short
 * tasks). BENCH_CONFIG picks one; BENCH_BATCH_SIZE / BENCH_PREFETCH override either, for experiments.
 */
export type BenchConfiguration = 'defaults' | 'tuned';
export const benchConfiguration = (): BenchConfiguration =>
  process.env.BENCH_CONFIG === 'defaults' ? 'defaults' : 'tuned';

/** The queue settings the figures are measured with. */
export function benchEnvironment(
  settings: QueueSettings,
  extra: Record<string, string> = {},
): Record<string, string> {
  const sqlite = settings.databaseUrl.startsWith('sqlite:');
  const tuned = benchConfiguration() === 'tuned';
  const batchSize = process.env.BENCH_BATCH_SIZE ?? (tuned ? '1000' : undefined);
  const prefetch = process.env.BENCH_PREFETCH ?? (tuned ? '1000' : undefined);
  return {
    NODE_ENV: 'development',
    DATABASE_URL: settings.databaseUrl,
    ...(sqlite ? {} : { SchemaName: settings.schema }),
    DATA_DIR: join(BENCH_WORK_DIR, settings.schema, 'data'),
    SEED_DEMO_ITEMS: '0',
    // Tuned: side by side on this machine, 200 / 400 drained 24-26k tasks/s and 1,000 / 1,000 31-33k:
    // fewer, larger statements. Defaults: the application's own (nothing set).
    ...(batchSize ? { BatchSize: batchSize } : {}),
    ...(prefetch ? { WORKER_PREFETCH: prefetch } : {}),
    // SQLite has no cross-process wake-up: a worker in another process finds a task at its next poll. At
    // the default 1 s the 300 cross-process pickup samples alone would take ten minutes.
    PollingDelay: process.env.BENCH_POLLING_DELAY ?? (sqlite ? '100ms' : '1s'),
    ...extra,
  };
}

export async function bootApp(
  config: AppConfig,
  extraModules: unknown[] = [],
): Promise<INestApplicationContext> {
  mkdirSync(config.files.dataDir, { recursive: true });
  const app = await NestFactory.createApplicationContext(
    {
      module: class BenchAppModule {},
      imports: [AppModule.forRoot(config), BenchTasksModule, ...(extraModules as never[])],
    },
    { logger: process.env.BENCH_LOGS ? undefined : ['error'] },
  );
  await app.init();
  return app;
}

class ThisProject implements QueueUnderTest {
  readonly library = `${OUR_LIBRARY} (${benchConfiguration()})`;
  readonly configuration: string;
  private app: INestApplicationContext | undefined;
  private unfinishedSql: string;

  constructor(private readonly settings: QueueSettings) {
    const env = benchEnvironment(settings);
    const effective = loadAppConfig(env).backgroundTasks;
    this.configuration = `BatchSize ${effective.batchSize}, WORKER_PREFETCH ${effective.prefetch}, PollingDelay ${env.PollingDelay}`;
    const table = env.SchemaName ? `"${env.SchemaName}"."background_tasks"` : 'background_tasks';
    // Each sub-query matches a partial index's predicate, so the check never steps over finished rows. Each
    // reads a column outside its index, so that it is a plain index scan rather than an index-only one: a
    // plain scan marks the entries of rows that have moved on as dead, and the next check, 5 ms later,
    // skips them instead of visiting the heap for each of thousands again. (EXISTS would not do: the
    // planner drops its select list and scans index-only.)
    this.unfinishedSql =
      `SELECT 1 AS unfinished WHERE (SELECT name FROM ${table} WHERE status = 'enqueued' LIMIT 1) IS NOT NULL ` +
      `OR (SELECT name FROM ${table} WHERE status = 'processing' LIMIT 1) IS NOT NULL`;
  }

  private config(role: 'api' | 'all', concurrency = 8): AppConfig {
    return loadAppConfig(
      benchEnvironment(this.settings, { APP_ROLE: role, WORKER_CONCURRENCY: String(concurrency) }),
    );
  }

  async prepare(): Promise<void> {
    await runMigrations(this.config('api').database);
  }

  /** The enqueuing side boots on first use, without a worker, unless startWorker booted one already. */
  private async application(): Promise<INestApplicationContext> {
    return (this.app ??= await bootApp(this.config('api')));
  }

  async enqueue(payload: { sample?: number }): Promise<void> {
    await (await this.application()).get(BackgroundTaskQueue).enqueue(NoopBenchTask, payload);
  }

  async enqueueBatch(count: number): Promise<void> {
    const payloads = Array.from({ length: count }, () => ({}));
    await (await this.application()).get(BackgroundTaskQueue).enqueueMany(NoopBenchTask, payloads);
  }

  async hasUnfinished(): Promise<boolean> {
    const rows: unknown[] = await (await this.application()).get(DataSource).query(this.unfinishedSql);
    return rows.length > 0;
  }

  /** One application that enqueues and works, so that an enqueue wakes its own worker at once. */
  async startWorker(options: WorkerOptions): Promise<RunningWorker> {
    await this.app?.close();
    BenchProbe.next = options.onTaskStart; // before the boot: a backlog starts while it boots
    const app = await bootApp(this.config('all', options.concurrency));
    this.app = app;
    return { stop: () => app.get(QueuedHostedService).stop() };
  }

  async close(): Promise<void> {
    await this.app?.close();
    this.app = undefined;
  }
}

const createQueue: QueueFactory = (settings) => Promise.resolve(new ThisProject(settings));
export default createQueue;
