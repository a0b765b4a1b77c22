import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { FileRecordTask } from '../support/test-tasks.js';
import { reportScenario, sleep } from './support/fault-report.js';
import { postgresOutage } from './support/postgres-outage.js';

const postgres = process.env.TEST_POSTGRES_URL ? describe : describe.skip;
const TASKS = 3_000;
const OUTAGE_MS = 10_000;

postgres('database outage: PostgreSQL gone for 10 s mid-run [postgres]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('reports the database down then up, and the workers recover by themselves, losing and repeating nothing', async () => {
    const env = { ...db.env, WORKER_CONCURRENCY: '8', PollingDelay: '250ms' };
    const workers = await Promise.all([ChildWorker.start(env), ChildWorker.start(env)]);
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    const health: { at: number; status: number; database: string }[] = [];
    /** 503 bodies that gave an anonymous caller a failed check's own words (a driver message). */
    const leaks: string[] = [];
    let watching = true;
    const watchHealth = (async () => {
      while (watching) {
        const response = await request(api.getHttpServer()).get('/health');
        const body = response.body as {
          details?: { database?: { status?: string } };
          error?: Record<string, Record<string, unknown>>;
        };
        for (const check of Object.values(body.error ?? {})) {
          if (check.status === 'down' && (check.message !== undefined || typeof check.reason !== 'string')) {
            leaks.push(JSON.stringify(check));
          }
        }
        health.push({
          at: Date.now(),
          status: response.status,
          database: body.details?.database?.status ?? '?',
        });
        await sleep(200);
      }
    })();
    try {
      await api.get(BackgroundTaskQueue).enqueueMany(
        FileRecordTask,
        Array.from({ length: TASKS }, () => ({ ms: 80 })),
      );
      await sleep(3_000);
      const outageStarted = Date.now();
      const how = await postgresOutage(OUTAGE_MS, process.env.TEST_POSTGRES_URL!, [
        `app:${db.env.SchemaName}`,
      ]);
      const outageEnded = Date.now();
      await eventually(async () => (await db.count("status = 'completed'")) === TASKS, 120_000, 250);
      const drainedAfterMs = Date.now() - outageEnded;
      // /health answers 200 again: watched until it does (the drain may end before its next sample).
      await eventually(
        () => health.some((h) => h.at > outageEnded && h.status === 200 && h.database === 'up'),
        60_000,
        100,
      );
      watching = false;
      await watchHealth;

      const runs = readFileSync(join(db.env.DATA_DIR, 'runs.log'), 'utf8').trim().split('\n');
      const perTask = new Map<string, number>();
      for (const line of runs) perTask.set(line.split(' ')[0], (perTask.get(line.split(' ')[0]) ?? 0) + 1);
      const ranTwice = [...perTask.values()].filter((count) => count > 1).length;
      const downDuring = health.some((h) => h.at >= outageStarted && h.at <= outageEnded && h.status === 503);
      const upAfter = health
        .filter((h) => h.at > outageEnded)
        .some((h) => h.status === 200 && h.database === 'up');
      const upBefore = health.some((h) => h.at < outageStarted && h.status === 200);
      const notCompleted = await db.count("status <> 'completed'");

      reportScenario(
        'database outage (PostgreSQL, 2 processes x 8 slots)',
        `database ${how} for ${Math.round((outageEnded - outageStarted) / 1000)} s mid-run; /health ${upBefore ? '200' : '?'} → ` +
          `${downDuring ? '503 (database down)' : 'never down'} → ${upAfter ? '200 again' : 'not up'}; ` +
          `${perTask.size}/${TASKS} tasks ran, ${ranTwice} twice, ${notCompleted} not completed; ` +
          `drained ${(drainedAfterMs / 1000).toFixed(1)} s after the database came back, with no restart`,
        {
          tasks: TASKS,
          outageMs: outageEnded - outageStarted,
          how,
          ran: perTask.size,
          ranTwice,
          notCompleted,
          drainedAfterMs,
        },
      );
      expect(upBefore && downDuring && upAfter).toBe(true);
      expect(leaks).toEqual([]);
      expect(perTask.size).toBe(TASKS);
      expect(ranTwice).toBe(0);
      expect(notCompleted).toBe(0);
      // The workers lived through it: the same processes finished the work.
      for (const worker of workers) expect(worker.process.exitCode).toBeNull();
    } finally {
      watching = false;
      await watchHealth;
      await api.close();
      await Promise.all(workers.map((worker) => worker.stop()));
    }
  });
});
