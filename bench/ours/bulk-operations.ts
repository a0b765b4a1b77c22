/**
 * Bulk operations' benchmark (POST /api/background-tasks/bulk): 100,000 failed tasks of one name among
 * 100,000 completed ones of another, then three operations one after the other, each run by the real
 * `background-tasks.bulk` task in a worker app of this process:
 *
 * 1. retry the 100,000 failed tasks (no worker runs their name: they stay enqueued, so that the figure is
 *    the operation's alone);
 * 2. cancel the 100,000 now waiting;
 * 3. delete every finished task (the 100,000 cancelled and the 100,000 completed).
 *
 * Printed per operation: the dry run's count and how long it took, the operation from enqueue to its task's
 * completion, tasks changed per second, and the process's peak RSS while it ran (sampled every 20 ms).
 *
 *   npm run bench:bulk          (BENCH_ENGINES=postgres,sqlite; BENCH_SCALE=0.1 for a quick look)
 */
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { BulkOperationTask } from '../../src/background-tasks/bulk/bulk-operation.task.js';
import type { BulkAction } from '../../src/background-tasks/model/task-records.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrator.js';
import { storedTasks } from '../../test/support/task-rows.js';
import { describeMachine } from '../harness/machine.js';
import { freshStorage, type BenchEngine } from '../harness/storage.js';
import { benchEnvironment, bootApp } from './queue.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const TASKS = Math.round(100_000 * SCALE);
const TARGET = 'bench.bulk-target';
const OTHER = 'bench.bulk-other';

interface Figures {
  readonly action: BulkAction;
  readonly matching: number;
  readonly countMs: number;
  readonly changed: number;
  readonly ms: number;
  readonly peakRssMb: number;
}

const elapsedSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function measure(engine: BenchEngine): Promise<{ figures: Figures[]; rssBeforeMb: number }> {
  const storage = await freshStorage(engine);
  const env = (role: string) =>
    loadAppConfig(benchEnvironment(storage.settings, { APP_ROLE: role, WORKER_CONCURRENCY: '8' }));
  try {
    await runMigrations(env('api').database);
    const api = await bootApp(env('api'));
    const store = api.get(TaskStore);
    const table =
      engine === 'sqlite' ? 'background_tasks' : `"${storage.settings.schema}"."background_tasks"`;
    // The rows as workers would have left them: inserted in batches, then ended in one statement.
    for (const name of [TARGET, OTHER]) await storedTasks(store, name, TASKS);
    const now = engine === 'sqlite' ? `'${new Date().toISOString()}'` : 'now()';
    const dataSource = api.get(DataSource);
    await dataSource.query(
      `UPDATE ${table} SET status = CASE name WHEN '${TARGET}' THEN 'failed' ELSE 'completed' END, attempts = 1, completed_at = ${now}`,
    );
    if (engine === 'postgres') await dataSource.query(`VACUUM ANALYZE ${table}`);

    const worker = await bootApp(env('worker'));
    const rssBeforeMb = process.memoryUsage().rss / 2 ** 20;
    const figures: Figures[] = [];
    try {
      const queue = api.get(BackgroundTaskQueue);
      const operations: { action: BulkAction; name: string | null }[] = [
        { action: 'retry', name: TARGET },
        { action: 'cancel', name: TARGET },
        { action: 'delete', name: null },
      ];
      for (const { action, name } of operations) {
        const finishedBefore = action === 'delete' ? new Date(Date.now() + 1_000).toISOString() : null;
        const countStart = process.hrtime.bigint();
        const matching = await store.countBulk({
          action,
          name,
          before: finishedBefore ? new Date(finishedBefore) : await store.databaseTime(),
        });
        const countMs = elapsedSince(countStart);
        let peakRss = process.memoryUsage().rss;
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
        const start = process.hrtime.bigint();
        const id = await queue.enqueue(BulkOperationTask, {
          action,
          name,
          finishedBefore,
          requestedBy: 'bench',
        });
        let task = await store.findById(id);
        while (task && task.status !== 'completed' && task.status !== 'failed') {
          await new Promise((resolve) => setTimeout(resolve, 20));
          task = await store.findById(id);
        }
        const ms = elapsedSince(start);
        clearInterval(sampler);
        if (task?.status !== 'completed')
          throw new Error(`The ${action} failed: ${JSON.stringify(task?.error)}`);
        const { changed } = task.result as { changed: number };
        figures.push({ action, matching, countMs, changed, ms, peakRssMb: peakRss / 2 ** 20 });
      }
    } finally {
      await worker.close();
      await api.close();
    }
    return { figures, rssBeforeMb };
  } finally {
    await storage.drop();
  }
}

const engines = (process.env.BENCH_ENGINES ?? 'postgres,sqlite').split(',') as BenchEngine[];
console.log(`# Bulk operations, ${new Date().toISOString()}`);
console.log(await describeMachine());
console.log(
  `${TASKS} failed tasks of one name among ${TASKS} completed of another; each operation a background-tasks.bulk ` +
    'task run by a worker app in this process (WORKER_CONCURRENCY 8), 500 tasks a batch',
);
console.log('| engine | operation | matched (dry run) | dry run | changed | time | tasks/s | peak RSS |');
console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const engine of engines) {
  const { figures, rssBeforeMb } = await measure(engine);
  for (const f of figures) {
    console.log(
      `| ${engine} | ${f.action} | ${f.matching.toLocaleString('en')} | ${Math.round(f.countMs)} ms | ` +
        `${f.changed.toLocaleString('en')} | ${(f.ms / 1000).toFixed(1)} s | ${Math.round((f.changed * 1000) / f.ms).toLocaleString('en')} | ` +
        `${Math.round(f.peakRssMb)} MB (${Math.round(rssBeforeMb)} MB before) |`,
    );
  }
}
