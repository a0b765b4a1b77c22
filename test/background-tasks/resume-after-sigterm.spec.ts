import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RUNS_TABLE, StepsTask } from '../support/test-tasks.js';

const STEPS = 40;

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
      // Forty steps of 500 ms: most of twenty seconds between the third step and the end.
      const id = await api.get(BackgroundTaskQueue).enqueue(StepsTask, { steps: STEPS, stepMs: 500 });
      await eventually(async () => (await steps(id)).length >= 3, 60_000, 50);
      // Frozen (SIGSTOP) as soon as the third step shows, so that however the machine schedules the two
      // processes the run is still under way when the SIGTERM comes; that signal waits for SIGCONT.
      first.process.kill('SIGSTOP');
      expect(await store.findById(id)).toMatchObject({ status: 'processing' });
      expect((await steps(id)).length).toBeLessThan(STEPS);
      first.process.kill('SIGTERM');
      first.process.kill('SIGCONT');

      expect((await first.stop('SIGTERM')).signal).toBe('SIGTERM');
      const stopped = await store.findById(id);
      expect(stopped).toMatchObject({ status: 'enqueued', leaseOwner: null, attempts: 0 });
      const checkpoint = (stopped!.executionMetadata as { nextStep: number }).nextStep;
      const doneBeforeRestart = await steps(id);
      expect(checkpoint).toBe(doneBeforeRestart.length + 1);
      expect(checkpoint).toBeLessThan(STEPS);

      // The rest of the steps quickly: only resuming from the checkpoint is under test now.
      await db.sql(`UPDATE ${db.table('background_tasks')} SET metadata = ? WHERE id = ?`, [
        JSON.stringify({ steps: STEPS, stepMs: 1 }),
        id,
      ]);
      const second = await ChildWorker.start(db.env);
      try {
        await eventually(async () => (await store.findById(id))?.status === 'completed', 60_000);
      } finally {
        await second.stop();
      }
      const all = await steps(id);
      expect(all.sort((a, b) => a - b)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      expect(await store.findById(id)).toMatchObject({
        attempts: 1,
        executionMetadata: { nextStep: STEPS + 1 },
      });
    } finally {
      await api.close();
    }
  }, 180_000); // two worker processes compiled on the fly: slow to boot on a busy machine
});
