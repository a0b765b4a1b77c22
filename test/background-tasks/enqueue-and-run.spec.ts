import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { EnqueueError } from '../../src/background-tasks/queue/enqueue-errors.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { TicksTask } from '../support/test-tasks-http.js';
import { createTestApp, eventually, untilCount } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { FailingTask, RequestScopedTask, SleepTask } from '../support/test-tasks.js';

class NotATask {
  execute() {
    return Promise.resolve({ kind: 'success' as const, result: undefined });
  }
}

describe.each(TEST_ENGINES)('enqueue and run [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication;
  let queue: BackgroundTaskQueue;
  let store: TaskStore;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db);
    queue = app.get(BackgroundTaskQueue);
    store = app.get(TaskStore);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const finished = (id: string) =>
    eventually(async () => {
      const task = await store.findById(id);
      return task && ['completed', 'failed', 'cancelled'].includes(task.status) ? task : undefined;
    }, 30_000);

  it('runs an enqueued task to completion and stores its result and progress', async () => {
    const id = await queue.enqueue(TicksTask, { steps: 3, stepMs: 5 }, { createdBy: 'alice' });
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const task = await finished(id);
    expect(task).toMatchObject({
      status: 'completed',
      name: 'test.ticks',
      attempts: 1,
      createdBy: 'alice',
      result: { steps: 3 },
      error: null,
      progress: { step: 3, info: 'Finished 3 steps', percent: 100 },
      leaseOwner: null,
      leaseExpiresAt: null,
    });
    expect(task.completedAt!.getTime()).toBeGreaterThanOrEqual(task.startedAt!.getTime());
  });

  it('stores the message of an error thrown by the handler and marks the task failed', async () => {
    const id = await queue.enqueue(
      FailingTask,
      { mode: 'throw', message: 'feed unreachable' },
      { maxAttempts: 1 },
    );
    const task = await finished(id);
    expect(task.status).toBe('failed');
    expect(task.error).toEqual({ name: 'Error', message: 'feed unreachable' });
  });

  it('stores the typed error of a failure outcome', async () => {
    const id = await queue.enqueue(
      FailingTask,
      { mode: 'outcome', message: 'bad row 7' },
      { maxAttempts: 1 },
    );
    const task = await finished(id);
    expect(task).toMatchObject({ status: 'failed', error: { message: 'bad row 7' } });
  });

  it('resolves an executor with request-scoped dependencies afresh for every run', async () => {
    const first = await queue.enqueue(RequestScopedTask, undefined);
    const second = await queue.enqueue(RequestScopedTask, undefined);
    const [a, b] = await Promise.all([finished(first), finished(second)]);
    expect(a.result).toMatchObject({ taskIdFromRequest: first });
    expect(b.result).toMatchObject({ taskIdFromRequest: second });
    expect((a.result as { instanceNumber: number }).instanceNumber).not.toBe(
      (b.result as { instanceNumber: number }).instanceNumber,
    );
  });

  it('rejects a class that is not a registered background task', async () => {
    await expect(queue.enqueue(NotATask as never, undefined as never)).rejects.toThrow(EnqueueError);
    await expect(queue.enqueue(NotATask as never, undefined as never)).rejects.toThrow(
      /not a background task/,
    );
  });

  it('rejects metadata that cannot be stored as JSON and bad options, writing nothing', async () => {
    const before = await db.count();
    await expect(queue.enqueue(SleepTask, { ms: 1n } as never)).rejects.toThrow(/JSON/);
    await expect(queue.enqueue(SleepTask, { ms: 1 }, { maxAttempts: 0 })).rejects.toThrow(/maxAttempts/);
    await expect(queue.enqueue(SleepTask, { ms: 1 }, { priority: 1.5 })).rejects.toThrow(/priority/);
    await expect(queue.enqueue(SleepTask, { ms: 1 }, { runAt: new Date('nope') })).rejects.toThrow(/runAt/);
    expect(await db.count()).toBe(before);
  });

  it('returns the first task id for a repeated idempotency key, also under concurrent enqueues', async () => {
    const key = `report-${engine}-${Date.now()}`;
    const first = await queue.enqueue(SleepTask, { ms: 1 }, { idempotencyKey: key });
    expect(await queue.enqueue(SleepTask, { ms: 1 }, { idempotencyKey: key })).toBe(first);

    const raceKey = `${key}-race`;
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => queue.enqueue(SleepTask, { ms: 1 }, { idempotencyKey: raceKey })),
    );
    expect(new Set(ids).size).toBe(1);
    expect(await db.count('idempotency_key = ?', [raceKey])).toBe(1);
  });

  it('does not start a task before its runAt time', async () => {
    const runAt = new Date(Date.now() + 60_000);
    const id = await queue.enqueue(SleepTask, { ms: 1 }, { runAt });
    // Claim rounds come and go (polls every 200 ms); none takes a task not due yet. A round that ended
    // after the enqueue may have begun before it, so wait for the one after that: it began after the insert.
    const enqueuedAt = Date.now();
    const lastRound = () => app.get(QueuedHostedService).lastClaimRoundAt?.getTime() ?? 0;
    const endedAfterEnqueue = await eventually(() => (lastRound() > enqueuedAt ? lastRound() : 0));
    await eventually(() => lastRound() > endedAfterEnqueue);
    expect((await store.findById(id))?.status).toBe('enqueued');
    // Once it is due, it runs.
    const dueNow = new Date(Date.now() - 1).toISOString();
    await db.sql(`UPDATE ${db.table('background_tasks')} SET run_after = ? WHERE id = ?`, [dueNow, id]);
    const task = await finished(id);
    expect(task.status).toBe('completed');
    expect(task.startedAt!.getTime()).toBeGreaterThanOrEqual(Date.parse(dueNow));
  });

  it('enqueues many tasks with one statement per thousand, returning their ids in order', async () => {
    const metadatas = Array.from({ length: 2_500 }, (_, i) => ({ ms: i % 2 }));
    const ids = await queue.enqueueMany(SleepTask, metadatas, { createdBy: 'bulk', priority: 3 });
    expect(ids).toHaveLength(2_500);
    expect(new Set(ids).size).toBe(2_500);
    const [first, last] = [await store.findById(ids[0]), await store.findById(ids[2_499])];
    expect(first).toMatchObject({ name: 'test.sleep', createdBy: 'bulk', priority: 3, metadata: { ms: 0 } });
    expect(last?.metadata).toEqual({ ms: 1 });
    await untilCount(() => db.count("created_by = 'bulk' AND status = 'completed'"), 2_500);

    await expect(queue.enqueueMany(SleepTask, [{ ms: 1 }, { ms: 2n } as never])).rejects.toThrow(
      /metadata\[1\]/,
    );
    await expect(queue.enqueueMany(SleepTask, [{ ms: 1 }], { idempotencyKey: 'k' } as never)).rejects.toThrow(
      /enqueueMany takes neither idempotencyKey/,
    );
  }, 900_000); // a ceiling only: untilCount fails as soon as the drain stops progressing

  it('enqueues all of a batch or none of it, whatever statement fails', async () => {
    const before = await db.count();
    const insertChunk = store.enqueueMany;
    let statements = 0;
    // The database fails the second of the two statements that 1,500 tasks take.
    store.enqueueMany = async (tasks, manager) => {
      if (++statements === 2) throw new Error('the connection was lost mid-batch');
      return insertChunk.call(store, tasks, manager);
    };
    try {
      const metadatas = Array.from({ length: 1_500 }, () => ({ ms: 1 }));
      await expect(queue.enqueueMany(SleepTask, metadatas)).rejects.toThrow('mid-batch');
    } finally {
      store.enqueueMany = insertChunk;
    }
    expect(statements).toBe(2);
    expect(await db.count()).toBe(before);
  });

  it('inserts with the caller transaction: nothing on rollback, a task that runs on commit', async () => {
    const dataSource = app.get(DataSource);
    const before = await db.count();
    let rolledBackId: string | undefined;
    await expect(
      dataSource.transaction(async (manager) => {
        rolledBackId = await queue.enqueue(SleepTask, { ms: 1 }, { manager });
        throw new Error('the command failed after enqueueing');
      }),
    ).rejects.toThrow('the command failed');
    expect(rolledBackId).toBeDefined();
    expect(await store.findById(rolledBackId!)).toBeUndefined();
    expect(await db.count()).toBe(before);

    let concurrentEnqueue: Promise<string> | undefined;
    const committedId = await dataSource.transaction(async (manager) => {
      await manager.query(`SELECT COUNT(*) FROM ${db.table('background_tasks')}`);
      // Another connection writes while this transaction is open. On SQLite a deferred transaction that
      // has read would now fail to write (SQLITE_BUSY_SNAPSHOT); TypeORM's transactions are made IMMEDIATE,
      // so that write waits for this commit instead.
      concurrentEnqueue = queue.enqueue(SleepTask, { ms: 1 });
      await new Promise((resolve) => setTimeout(resolve, 50));
      return queue.enqueue(SleepTask, { ms: 1 }, { manager });
    });
    expect((await finished(await concurrentEnqueue!)).status).toBe('completed');
    expect((await finished(committedId)).status).toBe('completed');
  });
});
