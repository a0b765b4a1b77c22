import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { runMigrations } from '../../src/database/migrator.js';
import { recordMeasurement } from '../harness/results.js';
import { freshStorage, type BenchEngine } from '../harness/storage.js';
import { ProgressFloodBenchTask } from './bench-tasks.js';
import { benchEnvironment, bootApp } from './queue.js';

const REPORTS = 100_000;

/**
 * A task calls progress() 100,000 times over about five seconds. The throttle should turn that into a few
 * writes a second. A trigger added for the benchmark counts the updates of the task's row that change its
 * progress (not the lease renewals); the ending is one of them, the rest are progress writes.
 */
export async function benchmarkProgressWrites(engine: BenchEngine, machine: string): Promise<void> {
  const storage = await freshStorage(engine);
  const config = loadAppConfig(
    benchEnvironment(storage.settings, { APP_ROLE: 'all', WORKER_CONCURRENCY: '1' }),
  );
  await runMigrations(config.database);
  const app = await bootApp(config);
  try {
    const dataSource = app.get(DataSource);
    const schema = storage.settings.schema;
    const [counter, tasks] =
      engine === 'postgres'
        ? [`"${schema}".row_updates`, `"${schema}".background_tasks`]
        : ['row_updates', 'background_tasks'];
    await dataSource.query(`CREATE TABLE ${counter} (n integer NOT NULL)`);
    await dataSource.query(`INSERT INTO ${counter} (n) VALUES (0)`);
    if (engine === 'postgres') {
      await dataSource.query(
        `CREATE FUNCTION "${schema}".count_update() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN UPDATE ${counter} SET n = n + 1; RETURN NULL; END $$`,
      );
      await dataSource.query(
        `CREATE TRIGGER count_updates AFTER UPDATE ON ${tasks} FOR EACH ROW
         WHEN (OLD.status_info IS DISTINCT FROM NEW.status_info OR OLD.percent_complete IS DISTINCT FROM NEW.percent_complete)
         EXECUTE FUNCTION "${schema}".count_update()`,
      );
    } else {
      await dataSource.query(
        `CREATE TRIGGER count_updates AFTER UPDATE ON ${tasks}
         WHEN OLD.status_info IS NOT NEW.status_info OR OLD.percent_complete IS NOT NEW.percent_complete
         BEGIN UPDATE ${counter} SET n = n + 1; END`,
      );
    }
    const store = app.get(TaskStore);
    const start = performance.now();
    const id = await app.get(BackgroundTaskQueue).enqueue(ProgressFloodBenchTask, { reports: REPORTS });
    while ((await store.findById(id))?.status !== 'completed') await sleep(20);
    const seconds = (performance.now() - start) / 1000;
    const [{ n }] = await dataSource.query<{ n: number }[]>(`SELECT n FROM ${counter}`);
    const writes = Number(n) - 1; // the ending also writes the final progress
    const perSecond = writes / seconds;
    const engineName = engine === 'postgres' ? 'PostgreSQL' : 'SQLite';
    console.log(
      `[progress ${engine}] ${REPORTS} reports in ${seconds.toFixed(2)} s → ${writes} progress writes (${perSecond.toFixed(1)} /s)`,
    );
    await recordMeasurement(machine, `progress-${engine}`, {
      section: `Progress writes (${engineName})`,
      label: `${REPORTS.toLocaleString('en')} progress() calls from one task over ~5 s`,
      value: `${writes} writes in ${seconds.toFixed(2)} s (${perSecond.toFixed(1)} writes/s)`,
      detail:
        'updates that changed the progress columns, counted by a trigger, minus the ending; throttle 250 ms',
      numbers: { writes, perSecond },
      measuredAt: new Date().toISOString(),
    });
  } finally {
    await app.close();
    await storage.drop();
  }
}
