import type { INestApplication } from '@nestjs/common';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { LeaseRequest, NewTaskRow } from '../../src/background-tasks/storage/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { uuidv7 } from '../../src/shared/uuid-v7.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

/**
 * A task enqueued in a process whose worker has a free slot is inserted already leased to that worker and
 * starts without a claim round, unless a due task the worker could run waits ahead of it. A task handed
 * over this way has started_at = created_at: both are the insert's now(). (One that waits for a claim
 * round here starts 300 ms later.)
 */
describe.each(TEST_ENGINES)('a task handed to a free local slot at its insert [%s]', (engine) => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await db?.dispose();
  });

  async function start(env: Record<string, string>): Promise<INestApplication> {
    // A long polling delay: only wake-ups and hand-overs start tasks.
    const app = await createTestApp(db, { env: { PollingDelay: '10s', ...env } });
    apps.push(app);
    return app;
  }

  const startedAtInsert = async (id: string) => {
    const task = await eventually(() =>
      db
        .sql<{ created_at: unknown; started_at: unknown }>(
          `SELECT created_at, started_at FROM ${db.table('background_tasks')} WHERE id = ? AND started_at IS NOT NULL`,
          [id],
        )
        .then(([row]) => row),
    );
    // Dates on PostgreSQL, ISO 8601 text on SQLite. PostgreSQL rounds created_at to the millisecond.
    const time = (value: unknown) => new Date(value as string | Date).getTime();
    return Math.abs(time(task.started_at) - time(task.created_at)) <= 1;
  };

  it('runs a task enqueued while a slot is free without a claim round, and one enqueued while none is after one', async () => {
    const app = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1' });
    const queue = app.get(BackgroundTaskQueue);
    const store = app.get(TaskStore);

    const handedOver = await queue.enqueue(SleepTask, { ms: 300 });
    expect(await startedAtInsert(handedOver)).toBe(true);
    const waited = await queue.enqueue(SleepTask, { ms: 1 }); // the only slot is busy
    expect((await store.findById(waited))?.status).toBe('enqueued');

    await eventually(async () => (await db.count("status = 'completed'")) === 2, 5_000);
    expect(await startedAtInsert(waited)).toBe(false);
    expect(await store.findById(handedOver)).toMatchObject({ status: 'completed', attempts: 1 });
  });

  describe('the insert that leases', () => {
    let store: TaskStore;
    const lease: LeaseRequest = { leaseOwner: 'local#1', leaseDurationMs: 30_000, names: ['test.sleep'] };
    const row = (overrides: Partial<NewTaskRow> = {}): NewTaskRow => ({
      id: uuidv7(),
      name: 'test.sleep',
      metadata: { ms: 1 },
      executionMetadata: undefined,
      priority: 0,
      runAfter: null,
      maxAttempts: 3,
      createdBy: null,
      idempotencyKey: null,
      ...overrides,
    });

    beforeEach(async () => {
      store = (await start({ APP_ROLE: 'api' })).get(TaskStore); // no worker: the statement alone
    });

    it('leases the task when nothing waits ahead of it', async () => {
      const { id, created, claimed } = await store.enqueueClaimed(row(), lease);
      expect(created).toBe(true);
      expect(claimed).toMatchObject({ id, leaseOwner: 'local#1', attempts: 1, name: 'test.sleep' });
      expect(await store.findById(id)).toMatchObject({ status: 'processing', leaseOwner: 'local#1' });
    });

    it('queues it behind a due task of equal or higher priority that the worker runs', async () => {
      await store.enqueue(row({ priority: 5 }));
      for (const priority of [5, 4]) {
        const { id, claimed } = await store.enqueueClaimed(row({ priority }), lease);
        expect(claimed).toBeUndefined();
        expect(await store.findById(id)).toMatchObject({ status: 'enqueued', attempts: 0, leaseOwner: null });
      }
      expect((await store.enqueueClaimed(row({ priority: 6 }), lease)).claimed).toBeDefined();
    });

    it('is not held back by tasks not due yet, or of kinds the worker does not run', async () => {
      await store.enqueue(row({ priority: 9, runAfter: new Date(Date.now() + 60_000) }));
      await store.enqueue(row({ priority: 9, name: 'test.fail' }));
      expect((await store.enqueueClaimed(row(), lease)).claimed).toBeDefined();
    });

    it('returns the task that already holds its idempotency key, leasing nothing', async () => {
      const first = await store.enqueue(row({ idempotencyKey: 'once' }));
      const again = await store.enqueueClaimed(row({ idempotencyKey: 'once' }), lease);
      expect(again).toEqual({ id: first.id, created: false });
      expect(await db.count("status = 'processing'")).toBe(0);
    });
  });

  it('gives a handed-over task back to the queue when the worker stopped before it could start', async () => {
    const app = await start({ APP_ROLE: 'all' });
    const worker = app.get(QueuedHostedService);
    const offer = worker.offerSlot('test.sleep')!;
    const { claimed } = await app.get(TaskStore).enqueueClaimed(
      {
        ...{ id: uuidv7(), name: 'test.sleep', metadata: { ms: 1 }, executionMetadata: undefined },
        ...{ priority: 0, runAfter: null, maxAttempts: 3, createdBy: null, idempotencyKey: null },
      },
      offer.lease,
    );
    await worker.stop();
    offer.start(claimed!);

    await eventually(async () => (await db.count("status = 'enqueued' AND attempts = 0")) === 1, 5_000);
    expect(worker.offerSlot('test.sleep')).toBeUndefined(); // a stopped worker offers nothing
  });
});
