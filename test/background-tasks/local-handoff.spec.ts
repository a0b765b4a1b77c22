import type { INestApplication } from '@nestjs/common';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

/**
 * A task enqueued in a process whose worker has a free slot is inserted already leased to that worker and
 * starts without a claim round, unless a due task the worker could run waits ahead of it. A task handed
 * over this way has started_at = created_at: both are the insert's now(). (One that waits for a claim
 * round here starts 300 ms later.) The insert statement itself is checked in task-store-contract.spec.ts.
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

  /** Tasks in the order they started, with when they started and ended (the database's clock). */
  const runTimes = async () =>
    (
      await db.sql<{ id: string; started_at: unknown; completed_at: unknown }>(
        `SELECT id, started_at, completed_at FROM ${db.table('background_tasks')} ORDER BY started_at`,
      )
    ).map((row) => ({
      id: row.id,
      startedAt: new Date(row.started_at as string).getTime(),
      completedAt: new Date(row.completed_at as string).getTime(),
    }));

  /** The worker's claim rounds at start have answered and it waits: nothing is under way that could fill its slot. */
  const idle = (app: INestApplication) =>
    eventually(() => {
      const status = app.get(QueuedHostedService).status;
      return status.lastClaimRoundAt !== undefined && status.waitingForWork;
    });

  it('runs a task enqueued while a slot is free without a claim round, and one enqueued while none is after one', async () => {
    const app = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1' });
    const queue = app.get(BackgroundTaskQueue);
    const store = app.get(TaskStore);
    await idle(app);

    const handedOver = await queue.enqueue(SleepTask, { ms: 30_000 });
    expect(await startedAtInsert(handedOver)).toBe(true);
    const waited = await queue.enqueue(SleepTask, { ms: 1 }); // the only slot is busy for 30 s
    expect((await store.findById(waited))?.status).toBe('enqueued');

    // The slot frees up when the first is cancelled; the second starts then, through a claim round.
    await store.requestCancellation(handedOver);
    await eventually(async () => (await store.findById(waited))?.status === 'completed', 10_000);
    expect(await startedAtInsert(waited)).toBe(false);
    expect(await store.findById(handedOver)).toMatchObject({ status: 'cancelled', attempts: 1 });
  });

  it('offers no slot to an enqueue while a claim round that may fill it is under way', async () => {
    const app = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1' });
    const store = app.get(TaskStore);
    const queue = app.get(BackgroundTaskQueue);
    await idle(app);
    // A claim round takes a task and answers only once the enqueue below has returned.
    const claim = store.claim.bind(store);
    let roundTookTask!: () => void;
    let enqueueReturned!: () => void;
    const took = new Promise<void>((resolve) => (roundTookTask = resolve));
    const returned = new Promise<void>((resolve) => (enqueueReturned = resolve));
    store.claim = async (request) => {
      const claimed = await claim(request);
      if (claimed.length > 0) {
        roundTookTask();
        await returned;
      }
      return claimed;
    };

    const [claimedByRound] = await queue.enqueueMany(SleepTask, [{ ms: 200 }]); // bulk: never handed over
    await took;
    const enqueuedMeanwhile = await queue.enqueue(SleepTask, { ms: 1 });
    enqueueReturned();

    await eventually(async () => (await db.count("status = 'completed'")) === 2, 10_000);
    expect(await startedAtInsert(enqueuedMeanwhile)).toBe(false);
    // One slot: the second run started after the first ended.
    const [first, second] = await runTimes();
    expect([first.id, second.id]).toEqual([claimedByRound, enqueuedMeanwhile]);
    expect(second.startedAt).toBeGreaterThanOrEqual(first.completedAt);
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
