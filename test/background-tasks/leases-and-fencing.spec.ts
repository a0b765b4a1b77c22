import type { INestApplication } from '@nestjs/common';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { FinishedRun } from '../../src/background-tasks/storage/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

const NAMES = ['test.sleep'];
const progress = { step: 1, info: 'half way', percent: 50 };
const completed = (id: string, leaseOwner: string): FinishedRun => ({
  id,
  leaseOwner,
  ending: { kind: 'completed', result: { by: leaseOwner } },
  progress,
});

describe.each(TEST_ENGINES)('leases and fencing [%s]', (engine) => {
  let db: TestDatabase;
  let api: INestApplication;
  let queue: BackgroundTaskQueue;
  let store: TaskStore;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    // No worker in this app: the tests claim by hand, as two workers "A" and "B" would.
    api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    queue = api.get(BackgroundTaskQueue);
    store = api.get(TaskStore);
  });

  afterAll(async () => {
    await api?.close();
    await db?.dispose();
  });

  const claim = (leaseOwner: string, leaseDurationMs = 60_000, limit = 10) =>
    store.claim({ leaseOwner, limit, leaseDurationMs, names: NAMES });

  it('claims in priority order, then by run-after time and creation', async () => {
    const low = await queue.enqueue(SleepTask, { ms: 1 }, { priority: -1 });
    const normal = await queue.enqueue(SleepTask, { ms: 1 });
    const urgentFirst = await queue.enqueue(SleepTask, { ms: 1 }, { priority: 5 });
    const urgentSecond = await queue.enqueue(SleepTask, { ms: 1 }, { priority: 5 });
    const order: string[] = [];
    for (let round = 0; round < 4; round++)
      order.push(...(await claim(`order-${round}`, 60_000, 1)).map((t) => t.id));
    expect(order).toEqual([urgentFirst, urgentSecond, normal, low]);
    await store.finish(order.map((id, round) => completed(id, `order-${round}`)));
  });

  it('claims only tasks this worker has executors for', async () => {
    const id = await queue.enqueue(SleepTask, { ms: 1 });
    expect(
      await store.claim({ leaseOwner: 'other-kind', limit: 10, leaseDurationMs: 1000, names: ['x.y'] }),
    ).toEqual([]);
    const [task] = await claim('right-kind');
    expect(task.id).toBe(id);
    await store.finish([completed(id, 'right-kind')]);
  });

  it('lets another worker take a task whose lease expired, and fences every write of the old owner', async () => {
    const id = await queue.enqueue(SleepTask, { ms: 1 });
    const [claimedByA] = await claim('worker-A#1', 300);
    expect(claimedByA).toMatchObject({ id, attempts: 1, leaseOwner: 'worker-A#1' });

    // While the lease is valid nobody else gets the task, and renewing it works.
    expect(await store.recoverExpiredLeases()).toBe(0);
    expect(await claim('worker-B#1')).toEqual([]);
    expect(await store.renewLeases(['worker-A#1'], 300, 300)).toEqual([{ id, cancelRequested: false }]);

    // A stalls past its lease; the sweep puts the task back and B claims it.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(await store.recoverExpiredLeases()).toBe(1);
    const [claimedByB] = await claim('worker-B#2');
    expect(claimedByB).toMatchObject({ id, attempts: 2, leaseOwner: 'worker-B#2' });

    // A comes back: none of its writes lands.
    expect(await store.saveProgress(id, 'worker-A#1', { step: 9, info: 'stale', percent: 99 })).toBe(false);
    expect(await store.checkpoint(id, 'worker-A#1', { stale: true }, progress)).toBe(false);
    expect(await store.renewLeases(['worker-A#1'], 60_000, 60_000)).toEqual([]);
    expect(await store.finish([completed(id, 'worker-A#1')])).toEqual(new Set());
    expect(await store.findById(id)).toMatchObject({
      status: 'processing',
      leaseOwner: 'worker-B#2',
      result: null,
      executionMetadata: null,
    });

    // B's writes land.
    expect(await store.saveProgress(id, 'worker-B#2', progress)).toBe(true);
    expect(await store.finish([completed(id, 'worker-B#2')])).toEqual(new Set([id]));
    expect(await store.findById(id)).toMatchObject({
      status: 'completed',
      result: { by: 'worker-B#2' },
      leaseOwner: null,
      attempts: 2,
    });
  });

  it('extends a lease only once it is due for it, and always reports every held task and its cancellation', async () => {
    const id = await queue.enqueue(SleepTask, { ms: 1 }, { runAt: new Date(Date.now() - 1) });
    await claim('worker-C#1', 30_000);
    await store.requestCancellation(id);
    const expiry = async () => (await store.findById(id))!.leaseExpiresAt!.getTime();
    const claimedUntil = await expiry();

    // 30 s left, renewed only within 20 s of expiry: nothing written, the task still reported.
    expect(await store.renewLeases(['worker-C#1'], 60_000, 20_000)).toEqual([{ id, cancelRequested: true }]);
    expect(await expiry()).toBe(claimedUntil);
    // Renewed within 40 s of expiry: extended to 60 s from now.
    expect(await store.renewLeases(['worker-C#1'], 60_000, 40_000)).toEqual([{ id, cancelRequested: true }]);
    expect(await expiry()).toBeGreaterThan(claimedUntil + 20_000);
    await store.finish([completed(id, 'worker-C#1')]);
  });

  it('fails a task whose lease expired on its last attempt instead of running it again', async () => {
    const id = await queue.enqueue(SleepTask, { ms: 1 }, { maxAttempts: 1 });
    await claim('crashing-worker#1', 100);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await store.recoverExpiredLeases()).toBe(1);
    expect(await store.findById(id)).toMatchObject({
      status: 'failed',
      error: { code: 'LEASE_EXPIRED' },
      leaseOwner: null,
    });
  });

  it('gives the attempt back when a run is released by a shutdown', async () => {
    const id = await queue.enqueue(SleepTask, { ms: 1 });
    await claim('stopping-worker#1');
    const released = await store.finish([
      { id, leaseOwner: 'stopping-worker#1', ending: { kind: 'released' }, progress },
    ]);
    expect(released).toEqual(new Set([id]));
    expect(await store.findById(id)).toMatchObject({
      status: 'enqueued',
      attempts: 0,
      leaseOwner: null,
      progress,
    });
    const [again] = await claim('next-worker#1');
    expect(again).toMatchObject({ id, attempts: 1, progress });
    await store.finish([completed(id, 'next-worker#1')]);
  });

  it('aborts a running handler whose lease was taken away, and stores nothing from it', async () => {
    const logger = new RecordingLogger();
    const worker = await createTestApp(db, { env: { APP_ROLE: 'worker', LEASE_DURATION: '1s' }, logger });
    try {
      const id = await queue.enqueue(SleepTask, { ms: 3_000 });
      await eventually(async () => (await store.findById(id))?.status === 'processing');
      // Another worker took over (as after an expiry the sweep and a claim would).
      await db.sql(`UPDATE ${db.table('background_tasks')} SET lease_owner = 'thief#1' WHERE id = ?`, [id]);
      await eventually(() => logger.has('warn', new RegExp(`Task ${id} .*lease lost`)), 3_000);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await store.findById(id)).toMatchObject({
        status: 'processing',
        leaseOwner: 'thief#1',
        result: null,
      });
    } finally {
      await worker.close();
    }
  });
});
