import { once } from 'node:events';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask, StubbornTask, stubbornTaskReturns } from '../support/test-tasks.js';

describe.each(TEST_ENGINES)('graceful shutdown [%s]', (engine) => {
  let db: TestDatabase;

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await db?.dispose();
  });

  it('puts running tasks back to enqueued, keeps their progress, and a restarted worker completes them', async () => {
    const logger = new RecordingLogger();
    const app = await createTestApp(db, { env: { WORKER_CONCURRENCY: '4' }, logger });
    const queue = app.get(BackgroundTaskQueue);
    const ids = await Promise.all([1, 2, 3].map(() => queue.enqueue(SleepTask, { ms: 60_000 })));
    // Running, and their first progress report (a step change, written at once) is stored.
    await eventually(async () => (await db.count("status = 'processing' AND task_step = 1")) === 3, 30_000);

    await app.close();
    // Every handler stopped at its signal: none had to be abandoned after the grace period.
    expect(logger.has('warn', /did not stop within/)).toBe(false);

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
    const logger = new RecordingLogger();
    const app = await createTestApp(db, { env: { SHUTDOWN_GRACE_PERIOD: '400ms' }, logger });
    // The handler ignores its signal for a minute (until released below): a close that waited for it
    // would not return before the test's timeout.
    const started = once(stubbornTaskReturns, 'started');
    const id = await app.get(BackgroundTaskQueue).enqueue(StubbornTask, { ms: 60_000 });
    const returned = once(stubbornTaskReturns, 'returned');
    let handlerReturned = false;
    void returned.then(() => (handlerReturned = true));
    // Its handler runs: a row already `processing` may still be on its way to the worker (a claim whose
    // answer has not been read yet), and a stop then gives it back unstarted, without any grace period.
    expect(await started).toEqual([id]);

    const stoppedIn = Date.now();
    await app.close();
    expect(Date.now() - stoppedIn).toBeGreaterThanOrEqual(350); // it waited the grace period…
    expect(handlerReturned).toBe(false); // …and not for the handler, which is still sleeping
    expect(
      logger.has('warn', new RegExp(`Task ${id} .*did not stop within 400 ms of its signal \\(shutdown\\)`)),
    ).toBe(true);
    const status = async () =>
      (
        await db.sql<{ status: string; lease_owner: string | null; result: unknown }>(
          `SELECT status, lease_owner, result FROM ${db.table('background_tasks')} WHERE id = ?`,
          [id],
        )
      )[0];
    expect(await status()).toMatchObject({ status: 'enqueued', lease_owner: null, result: null });

    // When the abandoned handler finally returns, its success is not written over the released row.
    stubbornTaskReturns.emit('release', id);
    expect(await returned).toEqual([id]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(await status()).toMatchObject({ status: 'enqueued', lease_owner: null, result: null });
  }, 60_000);
});
