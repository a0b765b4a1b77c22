import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

describe.each(TEST_ENGINES)('graceful shutdown [%s]', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await db?.dispose();
  });

  it('puts running tasks back to enqueued, keeps their progress, and a restarted worker completes them', async () => {
    const app = await createTestApp(db, { env: { WORKER_CONCURRENCY: '4' } });
    const queue = app.get(BackgroundTaskQueue);
    const ids = await Promise.all([1, 2, 3].map(() => queue.enqueue(SleepTask, { ms: 60_000 })));
    await eventually(async () => (await db.count("status = 'processing' AND percent_complete >= 0")) === 3);
    await new Promise((resolve) => setTimeout(resolve, 300)); // some progress gets written

    const stoppedIn = Date.now();
    await app.close();
    expect(Date.now() - stoppedIn).toBeLessThan(5_000);

    expect(await db.count("status = 'processing'")).toBe(0);
    const rows = await db.sql<{
      status: string;
      attempts: number;
      lease_owner: string | null;
      task_step: number;
    }>(`SELECT status, attempts, lease_owner, task_step FROM ${db.table('background_tasks')}`);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'enqueued', lease_owner: null, task_step: 1 });
      expect(Number(row.attempts)).toBe(0);
    }

    // Make them short so that the restarted worker finishes quickly.
    await db.sql(`UPDATE ${db.table('background_tasks')} SET metadata = ?`, ['{"ms":10}']);
    const restarted = await createTestApp(db);
    try {
      await eventually(async () => (await db.count("status = 'completed'")) === 3);
      for (const id of ids)
        expect(await restarted.get(TaskStore).findById(id)).toMatchObject({ attempts: 1 });
    } finally {
      await restarted.close();
    }
  });

  it('waits the grace period for a handler that ignores its signal, then releases its task', async () => {
    const app = await createTestApp(db, { env: { SHUTDOWN_GRACE_PERIOD: '400ms' } });
    const id = await app.get(BackgroundTaskQueue).enqueue(SleepTask, { ms: 1_500, ignoreSignal: true });
    const enqueuedAt = Date.now();
    await eventually(async () => (await db.count("status = 'processing'")) === 1);

    const stoppedIn = Date.now();
    await app.close();
    const took = Date.now() - stoppedIn;
    expect(took).toBeGreaterThanOrEqual(350);
    expect(took).toBeLessThan(2_000);
    const [row] = await db.sql<{ status: string; lease_owner: string | null }>(
      `SELECT status, lease_owner FROM ${db.table('background_tasks')} WHERE id = ?`,
      [id],
    );
    expect(row).toMatchObject({ status: 'enqueued', lease_owner: null });

    // When the abandoned handler finally returns, its success is not written over the released row.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, enqueuedAt + 1_700 - Date.now())));
    const [after] = await db.sql<{ status: string }>(
      `SELECT status FROM ${db.table('background_tasks')} WHERE id = ?`,
      [id],
    );
    expect(after.status).toBe('enqueued');
  });
});
