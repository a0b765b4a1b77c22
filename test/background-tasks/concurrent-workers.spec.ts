import type { INestApplication } from '@nestjs/common';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, untilCount } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RecordRunTask, RUNS_TABLE } from '../support/test-tasks.js';

const TASKS = 2_000;

describe.each(TEST_ENGINES)('several workers on one database [%s]', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterEach(async () => {
    await db?.dispose();
  });

  async function enqueueTasks(): Promise<Set<string>> {
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    try {
      const queue = api.get(BackgroundTaskQueue);
      const labels = Array.from({ length: TASKS }, (_, i) => ({ label: `task ${i}` }));
      return new Set(await queue.enqueueMany(RecordRunTask, labels));
    } finally {
      await api.close();
    }
  }

  /** Every task ran exactly once, according to the side table, and every row ended completed. */
  async function expectEachTaskRanOnce(ids: Set<string>): Promise<{ workers: number }> {
    await untilCount(() => db.count("status = 'completed'"), TASKS);
    const runs = await db.sql<{ task_id: string; worker: string }>(
      `SELECT task_id, worker FROM ${db.table(RUNS_TABLE)}`,
    );
    expect(runs).toHaveLength(TASKS);
    expect(new Set(runs.map((run) => run.task_id.toLowerCase()))).toEqual(ids);
    expect(await db.count("status <> 'completed'")).toBe(0);
    return { workers: new Set(runs.map((run) => run.worker)).size };
  }

  it('drains 2,000 tasks with three worker loops in one process, running each exactly once', async () => {
    const workers: INestApplication[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        workers.push(await createTestApp(db, { env: { APP_ROLE: 'worker', WORKER_CONCURRENCY: '8' } }));
      }
      await expectEachTaskRanOnce(await enqueueTasks());
    } finally {
      await Promise.all(workers.map((worker) => worker.close()));
    }
  }, 900_000); // ceilings only: untilCount fails as soon as the drain stops progressing

  it.each([
    ['claiming for free slots only', '0'],
    ['prefetching 50 tasks ahead', '50'],
  ])(
    'drains 2,000 tasks with three worker processes, %s, running each exactly once',
    async (_, prefetch) => {
      const env = { ...db.env, WORKER_CONCURRENCY: '8', WORKER_PREFETCH: prefetch, PollingDelay: '50ms' };
      // All three are up before the first task exists, so that they compete for the whole queue.
      const workers = await Promise.all([
        ChildWorker.start(env),
        ChildWorker.start(env),
        ChildWorker.start(env),
      ]);
      try {
        const { workers: processesThatWorked } = await expectEachTaskRanOnce(await enqueueTasks());
        expect(processesThatWorked).toBeGreaterThan(1);
      } finally {
        const exits = await Promise.all(workers.map((worker) => worker.stop()));
        expect(exits.map((exit) => exit.signal)).toEqual(['SIGTERM', 'SIGTERM', 'SIGTERM']);
      }
    },
    900_000,
  ); // three worker processes compiled on the fly, then 2,000 tasks: minutes on a busy machine
});
