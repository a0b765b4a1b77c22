import type { INestApplication } from '@nestjs/common';
import type {
  BulkTaskSelection,
  FinishedRun,
  NewTaskRow,
  RunEnding,
  WorkerHeartbeat,
} from '../../src/background-tasks/model/task-records.js';
import { GONE_WORKER_KEPT_LEASES, TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { InMemoryTaskStore } from '../support/in-memory-task-store.js';
import { enqueueBatch as enqueueTaskBatch, newTaskRow, storedTasks } from '../support/task-rows.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { selectionBound } from '../../src/background-tasks/bulk/bulk-actions.js';

/**
 * What every TaskStore promises, checked on each engine and on the in-memory store the worker's model-based
 * test runs against (so that the fake cannot drift from the real statements). Time is moved by writing
 * lease expiries, never by sleeping.
 */
interface StoreUnderTest {
  readonly store: TaskStore;
  /** Makes the task's lease expire a minute ago, as if its worker had stalled past it. */
  expireLease(id: string): Promise<void>;
  close(): Promise<void>;
}

async function storeFor(engine: 'memory' | (typeof TEST_ENGINES)[number]): Promise<StoreUnderTest> {
  const pastIso = () => new Date(Date.now() - 60_000).toISOString();
  if (engine === 'memory') {
    const store = new InMemoryTaskStore();
    return {
      store,
      expireLease: (id) => {
        store.rows.get(id)!.leaseExpiresAt = Date.parse(pastIso());
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
    };
  }
  const db = await TestDatabase.create(engine);
  // No worker in this app: the tests claim by hand, as workers "A" and "B" would.
  const app: INestApplication = await createTestApp(db, { env: { APP_ROLE: 'api' } });
  return {
    store: app.get(TaskStore),
    expireLease: async (id) => {
      await db.sql(`UPDATE ${db.table('background_tasks')} SET lease_expires_at = ? WHERE id = ?`, [
        pastIso(),
        id,
      ]);
    },
    close: async () => {
      await app.close();
      await db.dispose();
    },
  };
}

const NAMES = ['test.sleep'];
const progress = { step: 1, info: 'half way', percent: 50 };

const row = (overrides: Partial<NewTaskRow> = {}) => newTaskRow('test.sleep', overrides);

const ended = (id: string, leaseOwner: string, ending: RunEnding): FinishedRun => ({
  id,
  leaseOwner,
  attempt: 1,
  ending,
  progress,
});
const completed = (id: string, leaseOwner: string) =>
  ended(id, leaseOwner, { kind: 'completed', resultJson: JSON.stringify({ by: leaseOwner }) });
const retrying = (id: string, leaseOwner: string) =>
  ended(id, leaseOwner, {
    kind: 'retrying',
    errorJson: '{"message":"boom"}',
    attemptErrorJson: '{"attempt":1,"at":"2026-12-01T00:00:00.000Z","error":{"message":"boom"}}',
    runAfter: new Date(Date.now() - 1),
  });

describe.each(['memory', ...TEST_ENGINES] as const)('the TaskStore contract [%s]', (engine) => {
  let harness: StoreUnderTest;
  let store: TaskStore;

  beforeAll(async () => {
    harness = await storeFor(engine);
    store = harness.store;
  });

  afterAll(async () => {
    await harness?.close();
  });

  const enqueue = async (overrides: Partial<NewTaskRow> = {}) => (await store.enqueue(row(overrides))).id;
  /** One bulk insert: every task shares its priority, its run-after time and (on SQL Server) its created_at. */
  const enqueueBatch = (ids: string[], name = 'test.sleep', metadata?: string[]) =>
    enqueueTaskBatch(store, ids, name, metadata);
  const claim = (leaseOwner: string, limit = 10, leaseDurationMs = 60_000) =>
    store.claim({ leaseOwner, limit, leaseDurationMs, names: NAMES });
  /** Ends whatever an earlier test left claimable, so that each test claims only its own tasks. */
  const drain = async () => {
    const left = await claim('cleanup', 1_000);
    await store.finish(left.map((task) => completed(task.id, 'cleanup')));
  };

  beforeEach(drain);

  it('claims in priority order, then by run-after time and creation, leasing each to one owner', async () => {
    const low = await enqueue({ priority: -1 });
    const normal = await enqueue();
    const urgentFirst = await enqueue({ priority: 5 });
    const urgentSecond = await enqueue({ priority: 5 });
    const order: string[] = [];
    for (let round = 0; round < 4; round++) {
      const [task] = await claim(`order-${round}`, 1);
      expect(task).toMatchObject({ leaseOwner: `order-${round}`, attempts: 1 });
      order.push(task.id);
      await store.finish([completed(task.id, `order-${round}`)]);
    }
    expect(order).toEqual([urgentFirst, urgentSecond, normal, low]);
    expect(await claim('nothing-left')).toEqual([]);
  });

  it('claims every due task up to its limit, however many finished rows lie before them', async () => {
    const finished = await Promise.all(Array.from({ length: 30 }, () => enqueue()));
    await store.finish((await claim('before#1', 100)).map((task) => completed(task.id, 'before#1')));
    expect(await store.findById(finished[0])).toMatchObject({ status: 'completed' });
    const due = [await enqueue(), await enqueue(), await enqueue()];
    const claimed = await claim('after#1', 5);
    expect(claimed.map((task) => task.id).sort()).toEqual([...due].sort());
    await store.finish(claimed.map((task) => completed(task.id, 'after#1')));
  });

  it('claims the tasks of one batch in the order they were enqueued', async () => {
    // One statement: every task shares its priority, its run-after time and (on SQL Server) its created_at,
    // so only the creation order of the ids tells them apart. SQL Server compares a uniqueidentifier from
    // its last, random bytes first.
    const ids = Array.from({ length: 20 }, () => row().id);
    await enqueueBatch(ids);
    for (let round = 0; round < 4; round++) {
      const claimed = await claim(`batch#${round}`, 5);
      expect(claimed.map((task) => task.id).sort()).toEqual(ids.slice(round * 5, round * 5 + 5));
      await store.finish(claimed.map((task) => completed(task.id, `batch#${round}`)));
    }
  });

  it('claims only the kinds the worker runs, and nothing before its run-after time', async () => {
    await enqueue({ name: 'other.kind' });
    await enqueue({ runAfter: new Date(Date.now() + 60_000) });
    const due = await enqueue();
    expect((await claim('kinds')).map((task) => task.id)).toEqual([due]);
    await store.finish([completed(due, 'kinds')]);
  });

  it('fences every write of a worker whose lease expired and moved on, and lets the new owner write', async () => {
    const id = await enqueue();
    await claim('worker-A#1');
    expect(await store.recoverExpiredLeases()).toBe(0); // a valid lease stays
    expect(await claim('worker-B#1')).toEqual([]);

    await harness.expireLease(id);
    expect(await store.recoverExpiredLeases()).toBe(1);
    const [again] = await claim('worker-B#2');
    expect(again).toMatchObject({ id, attempts: 2, leaseOwner: 'worker-B#2' });

    expect(await store.saveProgress(id, 'worker-A#1', { step: 9, info: 'stale', percent: 99 })).toBe(false);
    expect(await store.checkpoint(id, 'worker-A#1', '{"stale":true}', progress)).toBe(false);
    expect(await store.renewLeases(['worker-A#1'], 60_000, 60_000)).toEqual([]);
    expect(await store.finish([completed(id, 'worker-A#1')])).toEqual(new Set());
    expect(await store.findById(id)).toMatchObject({
      status: 'processing',
      leaseOwner: 'worker-B#2',
      result: null,
    });

    expect(await store.saveProgress(id, 'worker-B#2', progress)).toBe(true);
    expect(await store.checkpoint(id, 'worker-B#2', '{"page":2}', progress)).toBe(true);
    expect(await store.finish([completed(id, 'worker-B#2')])).toEqual(new Set([id]));
    expect(await store.findById(id)).toMatchObject({
      status: 'completed',
      result: { by: 'worker-B#2' },
      executionMetadata: { page: 2 },
      leaseOwner: null,
      attempts: 2,
      progress: { percent: 100 },
      attemptErrors: [{ attempt: 1, error: { code: 'LEASE_EXPIRED' } }],
    });
  });

  it('extends a lease only once it is due, and always reports every held task with its cancellation', async () => {
    const id = await enqueue();
    await claim('worker-C#1', 10, 30_000);
    expect(await store.requestCancellation(id)).toBe(true);
    const expiry = async () => (await store.findById(id))!.leaseExpiresAt!.getTime();
    const claimedUntil = await expiry();
    expect(await store.renewLeases(['worker-C#1'], 60_000, 20_000)).toEqual([
      { id, leaseOwner: 'worker-C#1', cancelRequested: true },
    ]);
    expect(await expiry()).toBe(claimedUntil); // 30 s left: not due within 20 s
    expect(await store.renewLeases(['worker-C#1'], 60_000, 40_000)).toEqual([
      { id, leaseOwner: 'worker-C#1', cancelRequested: true },
    ]);
    expect(await expiry()).toBeGreaterThan(claimedUntil + 20_000);
    await store.finish([completed(id, 'worker-C#1')]);
  });

  it('fails a task whose lease expired on its last attempt instead of running it again', async () => {
    const id = await enqueue({ maxAttempts: 1 });
    await claim('crashing-worker#1');
    await harness.expireLease(id);
    expect(await store.recoverExpiredLeases()).toBe(1);
    expect(await store.findById(id)).toMatchObject({
      status: 'failed',
      error: { code: 'LEASE_EXPIRED' },
      leaseOwner: null,
    });
    expect((await store.findById(id))!.completedAt).not.toBeNull();
  });

  it('gives the attempt back when a run is released, keeping its progress', async () => {
    const id = await enqueue();
    await claim('stopping-worker#1');
    expect(await store.finish([ended(id, 'stopping-worker#1', { kind: 'released' })])).toEqual(new Set([id]));
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

  it('lets a cancellation requested during a run win over any ending that is not final', async () => {
    const [retried, released, done] = [await enqueue(), await enqueue(), await enqueue()];
    await claim('cancelled-worker#1');
    for (const id of [retried, released, done]) await store.requestCancellation(id);
    await store.finish([
      retrying(retried, 'cancelled-worker#1'),
      ended(released, 'cancelled-worker#1', { kind: 'released' }),
      completed(done, 'cancelled-worker#1'),
    ]);
    for (const id of [retried, released]) {
      expect(await store.findById(id)).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
    }
    expect(await store.findById(done)).toMatchObject({ status: 'completed', error: null });
  });

  it('retries after a failure, keeping every attempt error, and fails for good when told to', async () => {
    const id = await enqueue();
    await claim('flaky#1');
    await store.finish([retrying(id, 'flaky#1')]);
    expect(await store.findById(id)).toMatchObject({
      status: 'enqueued',
      attempts: 1,
      error: { message: 'boom' },
    });
    await claim('flaky#2');
    const errorJson = '{"code":"BAD_INPUT"}';
    const attemptErrorJson = `{"attempt":2,"at":"2026-12-01T00:00:00.000Z","error":${errorJson}}`;
    await store.finish([ended(id, 'flaky#2', { kind: 'failed', errorJson, attemptErrorJson })]);
    const failed = await store.findById(id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, error: { code: 'BAD_INPUT' } });
    expect(failed!.attemptErrors.map((attempt) => attempt.attempt)).toEqual([1, 2]);
    expect(failed!.completedAt).not.toBeNull();

    expect(await store.retry(id)).toBe(true);
    expect(await store.findById(id)).toMatchObject({ status: 'enqueued', maxAttempts: 5, completedAt: null });
    const [again] = await claim('flaky#3');
    expect(again).toMatchObject({ id, attempts: 3 });
    await store.finish([completed(id, 'flaky#3')]);
    expect(await store.retry(id)).toBe(false); // completed: nothing to retry
  });

  it('suspends without counting the attempt, resumes when due or on request, and cancels waiting tasks', async () => {
    const [timed, waiting] = [await enqueue(), await enqueue()];
    await claim('suspender#1');
    await store.finish([
      ended(timed, 'suspender#1', { kind: 'suspended', until: new Date(Date.now() - 1) }),
      ended(waiting, 'suspender#1', { kind: 'suspended', until: null }),
    ]);
    expect(await store.findById(waiting)).toMatchObject({ status: 'suspended', attempts: 0, resumeAt: null });
    expect(await store.resumeDueTasks()).toBe(1);
    expect(await store.findById(timed)).toMatchObject({ status: 'enqueued', resumeAt: null });
    expect(await store.resume(timed, undefined)).toBe(false); // not suspended any more
    expect(await store.resume(waiting, { approvedBy: 'ed' })).toBe(true);
    expect(await store.findById(waiting)).toMatchObject({
      status: 'enqueued',
      executionMetadata: { approvedBy: 'ed' },
    });

    expect(await store.cancelWaiting(waiting, { code: 'CANCELLED' })).toBe(true);
    expect(await store.findById(waiting)).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED' },
    });
    expect(await store.cancelWaiting(waiting, {})).toBe(false);
    expect(await store.requestCancellation(timed)).toBe(false); // enqueued: cancelWaiting's job
  });

  it('returns the task that already holds an idempotency key instead of inserting another', async () => {
    const first = await store.enqueue(row({ idempotencyKey: `once-${engine}` }));
    const again = await store.enqueue(row({ idempotencyKey: `once-${engine}` }));
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
  });

  it('tells idempotency keys and creators apart by case, as every engine compares text', async () => {
    const upper = await store.enqueue(
      row({ idempotencyKey: `Case-${engine}`, createdBy: `Carol-${engine}` }),
    );
    const lower = await store.enqueue(
      row({ idempotencyKey: `case-${engine}`, createdBy: `carol-${engine}` }),
    );
    expect(lower.created).toBe(true);
    expect(lower.id).not.toBe(upper.id);
    const listed = await store.list({ createdBy: `carol-${engine}`, limit: 10 });
    expect(listed.map((task) => task.id)).toEqual([lower.id]);
  });

  it('reads the views of many tasks in one call: what findById reads, without the lease or the key', async () => {
    const ids = [
      await enqueue({ idempotencyKey: `view-${engine}`, metadataJson: '{"n":1}' }),
      await enqueue({ createdBy: `viewer-${engine}` }),
      await enqueue(),
    ];
    const [running] = await claim('viewer#1', 1);
    await store.saveProgress(running.id, 'viewer#1', { step: 2, info: 'half', percent: 50 });
    const absent = newTaskRow('test.sleep').id;
    const views = await store.findViews([...ids, absent]);
    expect(views.map((view) => view.id).sort()).toEqual([...ids].sort());
    for (const view of views) {
      const {
        leaseOwner: _owner,
        leaseExpiresAt: _expiry,
        idempotencyKey: _key,
        ...shown
      } = (await store.findById(view.id))!;
      expect(view).toEqual(shown);
    }
    expect(views.find((view) => view.id === running.id)?.progress).toEqual({
      step: 2,
      info: 'half',
      percent: 50,
    });
    expect(await store.findViews([])).toEqual([]);
    await store.finish([completed(running.id, 'viewer#1')]);
  });

  it('stores any JSON value as metadata: an object, null, a string, a number', async () => {
    for (const metadataJson of ['{"a":1}', 'null', '"text"', '42', '[1,2]']) {
      const { id } = await store.enqueue(row({ metadataJson }));
      expect((await store.findById(id))?.metadata).toEqual(JSON.parse(metadataJson));
    }
  });

  it('keeps each task of a bulk batch with its own metadata, quotes and escapes included', async () => {
    const metadata = ['{"title":"say \\"hi\\"\\n"}', '"a \\\\ string"', 'null', '[1,{"a":[]}]'];
    const ids = metadata.map(() => newTaskRow('test.bulk').id);
    await enqueueBatch(ids, 'test.bulk', metadata);
    for (const [index, id] of ids.entries()) {
      expect((await store.findById(id))?.metadata).toEqual(JSON.parse(metadata[index]));
    }
  });

  it('stores long texts and text with quotes, breaks and backslashes exactly, in bulk and in endings', async () => {
    // Beyond 4,000 characters, where Babelfish's OPENJSON cut every value, and with JSON escapes, which it
    // handed back as they were.
    const long = `${'x'.repeat(10_000)} "quoted" \\ back\nline`;
    const ids = [newTaskRow('test.sleep').id, newTaskRow('test.sleep').id];
    await enqueueBatch(ids, 'test.sleep', [JSON.stringify({ long }), JSON.stringify(long)]);
    expect((await store.findById(ids[0]))?.metadata).toEqual({ long });
    expect((await store.findById(ids[1]))?.metadata).toEqual(long);
    const claimed = await claim('texts#1', 10);
    expect(claimed.map((task) => task.id).sort()).toEqual(ids);
    const info = 'said "done"\n\tin C:\\tmp';
    await store.finish(
      claimed.map((task) => ({
        ...ended(task.id, 'texts#1', { kind: 'completed', resultJson: JSON.stringify({ long }) }),
        progress: { step: 1, info, percent: 100 },
      })),
    );
    expect(await store.findById(ids[0])).toMatchObject({ result: { long }, progress: { info } });
  });

  it('stores the endings of a batch larger than one statement takes, every one of them', async () => {
    const ids = Array.from({ length: 250 }, () => newTaskRow('test.sleep').id);
    await enqueueBatch(ids);
    const claimed = [...(await claim('many#1', 250)), ...(await claim('many#1', 250))];
    expect(claimed).toHaveLength(250);
    const held = await store.finish(claimed.map((task) => completed(task.id, 'many#1')));
    expect(held.size).toBe(250);
    expect(await store.activeCounts()).toMatchObject({ processing: 0 });
  });

  it('counts the endings since a time by minute and status, and finds the task due the longest', async () => {
    const since = new Date(Date.now() - 1);
    const [first, second, third] = [await enqueue(), await enqueue(), await enqueue()];
    await claim('endings#1');
    await store.finish([completed(first, 'endings#1'), completed(second, 'endings#1')]);
    const errorJson = '{"message":"no"}';
    const attemptErrorJson = '{"attempt":1,"at":"2026-12-01T00:00:00.000Z","error":{"message":"no"}}';
    await store.finish([ended(third, 'endings#1', { kind: 'failed', errorJson, attemptErrorJson })]);

    const endings = await store.endingsPerMinute(since);
    const total = (status: string) =>
      endings.filter((ending) => ending.status === status).reduce((sum, ending) => sum + ending.count, 0);
    expect({ completed: total('completed'), failed: total('failed') }).toEqual({ completed: 2, failed: 1 });
    for (const { minute } of endings) {
      expect(minute.getTime() % 60_000).toBe(0); // the minute's start, in UTC
      expect(minute.getTime()).toBeGreaterThan(since.getTime() - 60_000);
    }
    expect(await store.endingsPerMinute(new Date())).toEqual([]);

    // Other cases leave waiting tasks of other kinds, due about now: these two are due years before.
    const later = await enqueue({ runAfter: new Date(Date.now() + 3_600_000) });
    const due = await enqueue({ runAfter: new Date('2020-01-02T03:04:05.006Z') });
    await enqueue({ runAfter: new Date('2021-01-01T00:00:00.000Z') });
    expect(await store.oldestDue(new Date())).toEqual({
      id: due,
      name: 'test.sleep',
      dueSince: new Date('2020-01-02T03:04:05.006Z'),
    });
    expect((await store.oldestDue(new Date(Date.now() + 7_200_000)))?.id).toBe(due);
    await drain();
    expect((await store.oldestDue(new Date()))?.id).not.toBe(due);
    await store.cancelWaiting(later, { message: 'not needed' });
  });

  it("keeps each worker's last heartbeat, replaces it with the next, and removes workers long gone", async () => {
    const startedAt = new Date('2026-12-01T10:00:00.123Z');
    const beat = (id: string, overrides: Partial<WorkerHeartbeat> = {}): WorkerHeartbeat => ({
      id,
      host: 'contract-host',
      pid: 4242,
      role: 'worker',
      concurrency: 8,
      slotsInUse: 0,
      prefetched: 0,
      leaseDurationMs: 60_000,
      stalled: false,
      startedAt,
      lastClaimAt: null,
      running: [],
      ...overrides,
    });
    // Other workers (a test app's own) may write to the same table: only this case's rows are looked at.
    const mine = async () => (await store.workers()).filter((worker) => worker.host === 'contract-host');
    const before = Date.now();
    await store.reportWorker(beat('contract-host:1:aaa'));
    const running = [{ id: '0190a0b0-0000-7000-8000-000000000001', name: 'it\'s "quoted" \\ and ünïcode' }];
    const lastClaimAt = new Date('2026-12-01T10:00:01.456Z');
    const next = { slotsInUse: 3, prefetched: 2, stalled: true, lastClaimAt, running };
    await store.reportWorker(beat('contract-host:1:aaa', next));
    await store.reportWorker(beat('contract-host:2:bbb', { pid: 4243, leaseDurationMs: 1 }));

    const [first, second] = await mine();
    expect(first).toMatchObject({ ...beat('contract-host:1:aaa', next) });
    expect(second).toMatchObject({ id: 'contract-host:2:bbb', pid: 4243, leaseDurationMs: 1, running: [] });
    // Stamped by the database's clock, which is this machine's: within the case's span, and read after.
    expect(first.lastSeenAt.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(first.readAt.getTime()).toBeGreaterThanOrEqual(first.lastSeenAt.getTime());

    // The 1 ms lease's worker is removed once ten of its leases have passed without a heartbeat; the other stays.
    for (let silent = 0; silent <= 10 * GONE_WORKER_KEPT_LEASES;) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const row = (await mine()).find((worker) => worker.id === 'contract-host:2:bbb')!;
      silent = row.readAt.getTime() - row.lastSeenAt.getTime();
    }
    expect(await store.removeGoneWorkers()).toBeGreaterThanOrEqual(1);
    expect((await mine()).map((worker) => worker.id)).toEqual(['contract-host:1:aaa']);

    await store.forgetWorker('contract-host:1:aaa');
    expect(await mine()).toEqual([]);
  });

  it('keeps a run-after time to the millisecond, whatever the time zone of the process', async () => {
    // 7 ms: a value SQL Server's datetime cannot hold (it rounds to 1/300 s).
    const runAfter = new Date('2031-05-17T08:09:10.007Z');
    const { id } = await store.enqueue(row({ runAfter }));
    expect((await store.findById(id))?.runAfter.toISOString()).toBe(runAfter.toISOString());
  });

  it('lists newest first in pages that neither repeat nor skip a task, when many share one millisecond', async () => {
    const name = `test.paged.${engine}`;
    const ids = Array.from({ length: 120 }, () => newTaskRow(name).id).sort();
    // One statement: on SQL Server every row gets the same created_at.
    await enqueueBatch(ids, name);
    const seen: string[] = [];
    let after: { id: string } | undefined;
    for (let page = 0; page < 10; page++) {
      const tasks = await store.list({ name, limit: 50, after });
      if (tasks.length === 0) break;
      seen.push(...tasks.map((task) => task.id));
      const last = tasks[tasks.length - 1];
      after = { id: last.id };
    }
    // Newest first is the reverse of the order the ids were made in (ids sorted are that order).
    expect(seen).toEqual([...ids].reverse());
  });

  describe('bulk operations', () => {
    /** Tasks of a name of their own, ended by hand: `failed`, `completed`, or left waiting. */
    const tasksOf = (name: string, count: number, end?: 'failed' | 'completed') =>
      storedTasks(store, name, count, end);
    const error = { code: 'CANCELLED', message: 'bulk' };
    /**
     * A selection's time bound, as the operation fixes it: the database's now plus a millisecond, since
     * PostgreSQL stamps rows in microseconds and a Date keeps milliseconds (a task that failed in the
     * millisecond of `now` would otherwise fall after it).
     */
    const boundNow = async () => selectionBound(await store.databaseTime(), null);
    /** Every match of a selection, window after window to the end of the table (each window after the last). */
    const scanAll = async (selection: BulkTaskSelection, size: number) => {
      const matching: string[] = [];
      let after: string | null = null;
      for (;;) {
        const window = await store.scanBulkWindow(selection, after, size);
        if (window.last === null) return matching;
        if (after !== null) expect(window.last > after).toBe(true);
        matching.push(...window.matching);
        after = window.last;
      }
    };

    it('retries the failed tasks of a name, a batch at a time after a cursor, each once however often it runs', async () => {
      const name = `test.bulk-retry.${engine}`;
      const failed = await tasksOf(name, 5, 'failed');
      const [done] = await tasksOf(name, 1, 'completed');
      const otherName = await tasksOf(`${name}.other`, 2, 'failed');
      const selection = { action: 'retry', name, before: await boundNow() } as const;
      expect(await store.countBulk(selection)).toBe(5);
      expect(await store.countBulk({ ...selection, name: `${name}.other` })).toBe(2);

      // A window is the next rows in creation order, of any kind, with those the selection matches.
      expect(await store.scanBulkWindow(selection, failed[0], 2)).toEqual({
        matching: failed.slice(1, 3),
        last: failed[2],
      });
      expect(await store.scanBulkWindow(selection, failed[4], 1)).toEqual({ matching: [], last: done });
      // Walked to its end, the cursor visits every row once, in order, and finds every match.
      expect(await scanAll(selection, 3)).toEqual(failed);

      // Rows that do not match (completed, another name) are left alone even when their ids are passed.
      const changed = await store.applyBulk(selection, [...failed, done, ...otherName], error);
      expect(changed.sort()).toEqual(failed);
      expect(await store.findById(failed[0])).toMatchObject({
        status: 'enqueued',
        completedAt: null,
        attempts: 1,
        maxAttempts: 2,
        attemptErrors: [expect.objectContaining({ attempt: 1 })],
      });
      expect(await store.findById(done)).toMatchObject({ status: 'completed' });
      expect(await store.findById(otherName[0])).toMatchObject({ status: 'failed' });
      // A second run of the same batch changes nothing: the budget of attempts grows once.
      expect(await store.applyBulk(selection, failed, error)).toEqual([]);
      expect(await store.findById(failed[4])).toMatchObject({ maxAttempts: 2 });
      expect(await store.countBulk(selection)).toBe(0);
      // The retried tasks are claimable again.
      const again = await store.claim({
        leaseOwner: 'again',
        limit: 10,
        leaseDurationMs: 60_000,
        names: [name],
      });
      expect(again.map((task) => task.id).sort()).toEqual(failed);
    });

    it('leaves out tasks that failed or were created after its time bound', async () => {
      const name = `test.bulk-bound.${engine}`;
      // Times read back are whole milliseconds (PostgreSQL keeps microseconds): the bound is a millisecond
      // either side of the time read.
      const [early, late] = await tasksOf(name, 2, 'failed');
      const times = [early, late].map(async (id) => (await store.findById(id))!.completedAt!.getTime());
      const [earlyAt, lateAt] = await Promise.all(times);
      const at = (ms: number) => new Date(ms);
      expect(
        await store.countBulk({ action: 'retry', name, before: at(Math.min(earlyAt, lateAt) - 1) }),
      ).toBe(0);
      expect(
        await store.countBulk({ action: 'retry', name, before: at(Math.max(earlyAt, lateAt) + 1) }),
      ).toBe(2);
      const [waiting] = await tasksOf(name, 1);
      const createdAt = (await store.findById(waiting))!.createdAt.getTime();
      expect(await store.countBulk({ action: 'cancel', name, before: at(createdAt - 1) })).toBe(0);
      expect(await store.countBulk({ action: 'cancel', name, before: at(createdAt + 1) })).toBe(1);
    });

    it('cancels waiting tasks (enqueued or suspended) with the error given, never a running one', async () => {
      const name = `test.bulk-cancel.${engine}`;
      const ids = await tasksOf(name, 4);
      const owner = `bulk-cancel-${engine}`;
      const [first, second] = await store.claim({
        leaseOwner: owner,
        limit: 2,
        leaseDurationMs: 60_000,
        names: [name],
      });
      // The claim takes the first two in creation order (in whichever order it returns them).
      const [running, suspended] = [first.id, second.id];
      expect([running, suspended].sort()).toEqual(ids.slice(0, 2));
      const enqueued = ids.slice(2);
      await store.finish([ended(suspended, owner, { kind: 'suspended', until: null })]);
      const selection = { action: 'cancel', name, before: await boundNow() } as const;
      expect(await store.countBulk(selection)).toBe(3);
      const batch = await scanAll(selection, 10);
      expect(batch).toEqual([suspended, ...enqueued].sort());
      expect((await store.applyBulk(selection, [running, ...batch], error)).sort()).toEqual(batch);
      expect(await store.findById(suspended)).toMatchObject({ status: 'cancelled', error, resumeAt: null });
      expect((await store.findById(enqueued[0]))!.completedAt).not.toBeNull();
      expect(await store.findById(running)).toMatchObject({ status: 'processing', leaseOwner: owner });
    });

    it('deletes the finished tasks it selects, and returns their ids for their files', async () => {
      const name = `test.bulk-delete.${engine}`;
      const failed = await tasksOf(name, 2, 'failed');
      const completedIds = await tasksOf(name, 2, 'completed');
      const [waiting] = await tasksOf(name, 1);
      const selection = { action: 'delete', name, before: await boundNow() } as const;
      expect(await store.countBulk(selection)).toBe(4);
      const ids = await scanAll(selection, 10);
      expect(ids).toEqual([...failed, ...completedIds]);
      expect((await store.applyBulk(selection, [...ids, waiting], error)).sort()).toEqual(ids.sort());
      expect(await store.findById(failed[0])).toBeUndefined();
      expect(await store.findById(waiting)).toMatchObject({ status: 'enqueued' });
      expect(await store.applyBulk(selection, ids, error)).toEqual([]);
    });
  });

  // SQL Server's store does not hand over (TaskStore.handsOver): its enqueues are claimed by a round.
  (engine === 'sqlserver' ? describe.skip : describe)('the insert that leases (a hand-over)', () => {
    const lease = { leaseOwner: 'local#1', leaseDurationMs: 30_000, names: NAMES };

    it('leases the task when nothing waits ahead of it', async () => {
      const { id, created, claimed } = await store.enqueueClaimed(row(), lease);
      expect(created).toBe(true);
      expect(claimed).toMatchObject({ id, leaseOwner: 'local#1', attempts: 1, name: 'test.sleep' });
      expect(await store.findById(id)).toMatchObject({ status: 'processing', leaseOwner: 'local#1' });
      await store.finish([completed(id, 'local#1')]);
    });

    it('queues it behind a due task of equal or higher priority that the worker runs', async () => {
      await enqueue({ priority: 5 });
      for (const priority of [5, 4]) {
        const { id, claimed } = await store.enqueueClaimed(row({ priority }), lease);
        expect(claimed).toBeUndefined();
        expect(await store.findById(id)).toMatchObject({ status: 'enqueued', attempts: 0, leaseOwner: null });
      }
      const higher = await store.enqueueClaimed(row({ priority: 6 }), lease);
      expect(higher.claimed).toBeDefined();
      await store.finish([completed(higher.id, 'local#1')]);
    });

    it('is not held back by tasks not due yet, or of kinds the worker does not run', async () => {
      await enqueue({ priority: 9, runAfter: new Date(Date.now() + 60_000) });
      await enqueue({ priority: 9, name: 'other.kind' });
      const handedOver = await store.enqueueClaimed(row(), lease);
      expect(handedOver.claimed).toBeDefined();
      await store.finish([completed(handedOver.id, 'local#1')]);
    });

    it('returns the task that already holds its idempotency key, leasing nothing', async () => {
      const first = await store.enqueue(row({ idempotencyKey: `handed-${engine}` }));
      const again = await store.enqueueClaimed(row({ idempotencyKey: `handed-${engine}` }), lease);
      expect(again).toEqual({ id: first.id, created: false });
      expect((await store.findById(first.id))?.status).toBe('enqueued');
    });
  });
});
