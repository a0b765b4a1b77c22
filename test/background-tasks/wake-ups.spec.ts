import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RecordRunTask, RUNS_TABLE } from '../support/test-tasks.js';

/** Polling so slow that a task started within a second can only have been woken up. */
const NO_POLLING = { PollingDelay: '60s' };

describe.each(TEST_ENGINES)('wake-ups [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('starts a task enqueued in the same process at once, without waiting for a poll', async () => {
    const app = await createTestApp(db, { env: NO_POLLING });
    try {
      await new Promise((resolve) => setTimeout(resolve, 200)); // the worker's first round found nothing
      const id = await app.get(BackgroundTaskQueue).enqueue(RecordRunTask, {});
      const store = app.get(TaskStore);
      const task = await eventually(async () => {
        const found = await store.findById(id);
        return found?.status === 'completed' ? found : undefined;
      }, 2_000);
      expect(task.startedAt!.getTime() - task.createdAt.getTime()).toBeLessThan(500);
    } finally {
      await app.close();
    }
  });

  const postgresOnly = engine === 'postgres' ? it : it.skip;
  postgresOnly(
    'starts a task enqueued by another process within moments, through LISTEN/NOTIFY',
    async () => {
      const worker = await ChildWorker.start({ ...db.env, ...NO_POLLING });
      const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
      try {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const id = await api.get(BackgroundTaskQueue).enqueue(RecordRunTask, {});
        const task = await eventually(async () => {
          const found = await api.get(TaskStore).findById(id);
          return found?.status === 'completed' ? found : undefined;
        }, 2_000);
        expect(task.startedAt!.getTime() - task.createdAt.getTime()).toBeLessThan(500);
      } finally {
        await api.close();
        await worker.stop();
      }
    },
  );
});
