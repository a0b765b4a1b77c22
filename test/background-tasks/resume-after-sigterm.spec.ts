import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RUNS_TABLE, StepsTask } from '../support/test-tasks.js';

describe.each(TEST_ENGINES)('a checkpointed task across a SIGTERM and a restart [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('resumes from its checkpoint in the restarted process, runs no checkpointed step twice, and completes', async () => {
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    const store = api.get(TaskStore);
    const steps = async (id: string) =>
      (
        await db.sql<{ step: number }>(`SELECT step FROM ${db.table(RUNS_TABLE)} WHERE task_id = ?`, [id])
      ).map((row) => Number(row.step));
    try {
      const first = await ChildWorker.start(db.env);
      const id = await api.get(BackgroundTaskQueue).enqueue(StepsTask, { steps: 8, stepMs: 150 });
      await eventually(async () => (await steps(id)).length >= 3, 15_000);

      expect((await first.stop('SIGTERM')).signal).toBe('SIGTERM');
      const stopped = await store.findById(id);
      expect(stopped).toMatchObject({ status: 'enqueued', leaseOwner: null, attempts: 0 });
      const checkpoint = (stopped!.executionMetadata as { nextStep: number }).nextStep;
      const doneBeforeRestart = await steps(id);
      expect(checkpoint).toBe(doneBeforeRestart.length + 1);

      const second = await ChildWorker.start(db.env);
      try {
        await eventually(async () => (await store.findById(id))?.status === 'completed', 15_000);
      } finally {
        await second.stop();
      }
      const all = await steps(id);
      expect(all.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
      expect(await store.findById(id)).toMatchObject({ attempts: 1, executionMetadata: { nextStep: 9 } });
    } finally {
      await api.close();
    }
  });
});
