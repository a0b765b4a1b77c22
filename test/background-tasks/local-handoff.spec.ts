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
// SQL Server's store does not hand over (TaskStore.handsOver): its enqueues are claimed by a round.
const ENGINES = TEST_ENGINES.filter((engine) => engine !== 'sqlserver');

describe.each(ENGINES)('a task handed to a free local slot at its insert [%s]', (engine) => {
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

  it('never runs more than WORKER_CONCURRENCY handlers when a claim round and a hand-over overlap', async () => {
    const app = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1' });
    const worker = app.get(QueuedHostedService);
    const store = app.get(TaskStore);
    // A claim round takes a task and is slow to answer; meanwhile an enqueue gets the free slot offered,
    // and its insert answers only after the round did.
    const claim = store.claim.bind(store);
    const enqueueClaimed = store.enqueueClaimed.bind(store);
    let roundTookTask!: () => void;
    let roundAnswered!: () => void;
    const took = new Promise<void>((resolve) => (roundTookTask = resolve));
    const answered = new Promise<void>((resolve) => (roundAnswered = resolve));
    store.claim = async (request) => {
      const claimed = await claim(request);
      if (claimed.length > 0) {
        roundTookTask();
        await new Promise((resolve) => setTimeout(resolve, 100));
        setImmediate(roundAnswered); // after the worker has dealt with the round's task
      }
      return claimed;
    };
    store.enqueueClaimed = async (task, lease) => {
      const result = await enqueueClaimed(task, lease);
      await answered;
      return result;
    };
    let mostRunning = 0;
    const sampler = setInterval(() => (mostRunning = Math.max(mostRunning, worker.activeRunCount)), 5);
    try {
      const queue = app.get(BackgroundTaskQueue);
      await queue.enqueueMany(SleepTask, [{ ms: 300 }]); // claimed by a round (bulk tasks are not handed over)
      await took;
      const handedOver = await queue.enqueue(SleepTask, { ms: 300 });
      expect(await startedAtInsert(handedOver)).toBe(true);
      await eventually(async () => (await db.count("status = 'completed'")) === 2, 5_000);
    } finally {
      clearInterval(sampler);
    }
    expect(mostRunning).toBe(1);
  });

  describe('the insert that leases', () => {
    let store: TaskStore;
    const lease: LeaseRequest = { leaseOwner: 'local#1', leaseDurationMs: 30_000, names: ['test.sleep'] };
    const row = (overrides: Partial<NewTaskRow> = {}): NewTaskRow => ({
      id: uuidv7(),
      name: 'test.sleep',
      metadataJson: '{"ms":1}',
      executionMetadataJson: null,
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

  it('gives a handed-over task back to the queue when the worker stops during its insert', async () => {
    const app = await start({ APP_ROLE: 'all' });
    const worker = app.get(QueuedHostedService);
    // The enqueue takes its offer at once; the worker is told to stop while the insert is under way, and
    // waits for it before its endings and connections go.
    const enqueued = app.get(BackgroundTaskQueue).enqueue(SleepTask, { ms: 1 });
    await worker.stop();
    const id = await enqueued;

    expect(await app.get(TaskStore).findById(id)).toMatchObject({ status: 'enqueued', attempts: 0 });
    expect(worker.offerSlot('test.sleep')).toBeUndefined(); // a stopped worker offers nothing
  });
});
