import type { INestApplication } from '@nestjs/common';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { BackgroundTaskRecord } from '../../src/background-tasks/model/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import {
  ApprovalTask,
  createRunsTableSql,
  FlakyTask,
  RUNS_TABLE,
  SelfCancellingTask,
  SleepTask,
  StepsTask,
  TooSlowTask,
} from '../support/test-tasks.js';

const FAST_RETRIES = { SchedulerRetryDelays: '50ms,100ms', PollingDelay: '50ms' };

describe.each(TEST_ENGINES)('the typed task contract [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication;
  let queue: BackgroundTaskQueue;
  let store: TaskStore;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
    app = await createTestApp(db, { env: FAST_RETRIES });
    queue = app.get(BackgroundTaskQueue);
    store = app.get(TaskStore);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const whenStatus = (id: string, ...statuses: string[]) =>
    eventually(async () => {
      const task = await store.findById(id);
      return task && statuses.includes(task.status) ? task : undefined;
    }, 30_000);

  const stepsRun = async (id: string) =>
    (
      await db.sql<{ step: number }>(
        `SELECT step FROM ${db.table(RUNS_TABLE)} WHERE task_id = ? ORDER BY step`,
        [id],
      )
    ).map((row) => Number(row.step));

  describe('execution metadata', () => {
    it('starts from the executor’s declared default and persists every checkpoint', async () => {
      const id = await queue.enqueue(StepsTask, { steps: 3, stepMs: 1 });
      const task = await whenStatus(id, 'completed');
      expect(task.executionMetadata).toEqual({ nextStep: 4 });
      expect(await stepsRun(id)).toEqual([1, 2, 3]);
    });

    it('starts from the value given at enqueue', async () => {
      const id = await queue.enqueue(
        StepsTask,
        { steps: 4, stepMs: 1 },
        { executionMetadata: { nextStep: 3 } },
      );
      await whenStatus(id, 'completed');
      expect(await stepsRun(id)).toEqual([3, 4]);
    });

    it('resumes from the last checkpoint after a shutdown, running no checkpointed step twice', async () => {
      await app.close(); // from here on, only the apps of this test run tasks
      const worker = await createTestApp(db, { env: FAST_RETRIES });
      // A hundred steps of 300 ms: the shutdown comes long before the last, however slow the machine.
      const id = await worker.get(BackgroundTaskQueue).enqueue(StepsTask, { steps: 100, stepMs: 300 });
      await eventually(async () => (await stepsRun(id)).length >= 2, 30_000);
      await worker.close();
      // The rest quickly: only resuming from the checkpoint is under test now.
      await db.sql(`UPDATE ${db.table('background_tasks')} SET metadata = ? WHERE id = ?`, [
        JSON.stringify({ steps: 100, stepMs: 1 }),
        id,
      ]);

      const reader = await createTestApp(db, { env: { APP_ROLE: 'api' } });
      const interrupted = await reader.get(TaskStore).findById(id);
      await reader.close();
      expect(interrupted).toMatchObject({ status: 'enqueued', attempts: 0 });
      expect((interrupted!.executionMetadata as { nextStep: number }).nextStep).toBeGreaterThanOrEqual(3);

      app = await createTestApp(db, { env: FAST_RETRIES });
      queue = app.get(BackgroundTaskQueue);
      store = app.get(TaskStore);
      await whenStatus(id, 'completed');
      expect(await stepsRun(id)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    }, 120_000);
  });

  describe('suspension', () => {
    it('suspends until the given time, gives the attempt back, then resumes by itself', async () => {
      // Suspended for three seconds: long enough to be seen suspended on a busy machine.
      const id = await queue.enqueue(ApprovalTask, { resumeInMs: 3_000 });
      const suspended = await whenStatus(id, 'suspended');
      expect(suspended).toMatchObject({
        attempts: 0,
        executionMetadata: { waiting: true },
        leaseOwner: null,
      });
      // The handler asked for three seconds after it started (both clocks are this machine's).
      expect(suspended.resumeAt!.getTime() - suspended.startedAt!.getTime()).toBeGreaterThanOrEqual(2_990);
      const done = await whenStatus(id, 'completed');
      expect(done).toMatchObject({ result: { approvedBy: null }, attempts: 1, resumeAt: null });
    });

    it('waits for a resume request when suspended without a time', async () => {
      const id = await queue.enqueue(ApprovalTask, {});
      const suspended = await whenStatus(id, 'suspended');
      expect(suspended.resumeAt).toBeNull();
      // The sweep that resumes suspended tasks whose time has come leaves it where it is.
      await store.resumeDueTasks();
      expect((await store.findById(id))?.status).toBe('suspended');
      expect(await store.resume(id, { waiting: true, approvedBy: 'carol' })).toBe(true);
      expect(await whenStatus(id, 'completed')).toMatchObject({ result: { approvedBy: 'carol' } });
    });
  });

  describe('retries', () => {
    it('retries a thrown error after the configured delays and keeps every attempt’s error', async () => {
      const id = await queue.enqueue(FlakyTask, { succeedOnAttempt: 3, how: 'throw' });
      const task = await whenStatus(id, 'completed');
      expect(task.attempts).toBe(3);
      expect(task.error).toBeNull();
      expect(
        task.attemptErrors.map((entry) => [entry.attempt, (entry.error as { message: string }).message]),
      ).toEqual([
        [1, 'attempt 1 failed'],
        [2, 'attempt 2 failed'],
      ]);
      const [first, second] = task.attemptErrors.map((entry) => new Date(entry.at).getTime());
      expect(second - first).toBeGreaterThanOrEqual(50);
    });

    it('fails after the last allowed attempt', async () => {
      const id = await queue.enqueue(FlakyTask, { succeedOnAttempt: 99, how: 'throw' }, { maxAttempts: 2 });
      const task = await whenStatus(id, 'failed');
      expect(task).toMatchObject({ attempts: 2, error: { message: 'attempt 2 failed' } });
      expect(task.attemptErrors).toHaveLength(2);
    });

    it('does not retry an unrecoverable error, nor a failure that says so', async () => {
      const thrown = await queue.enqueue(FlakyTask, { succeedOnAttempt: 99, how: 'unrecoverable' });
      const returned = await queue.enqueue(FlakyTask, { succeedOnAttempt: 99, how: 'final-outcome' });
      expect(await whenStatus(thrown, 'failed')).toMatchObject({
        attempts: 1,
        error: { name: 'UnrecoverableTaskError', code: 'BAD_INPUT', message: 'the input can never work' },
      });
      expect(await whenStatus(returned, 'failed')).toMatchObject({
        attempts: 1,
        error: { message: 'not worth retrying' },
      });
    });

    it('re-enqueues a failed task on request, keeping its attempt history', async () => {
      const id = await queue.enqueue(FlakyTask, { succeedOnAttempt: 2, how: 'throw' }, { maxAttempts: 1 });
      await whenStatus(id, 'failed');
      expect(await store.retry(id)).toBe(true);
      expect(await store.retry(id)).toBe(false); // already enqueued again
      const task = await whenStatus(id, 'completed');
      expect(task.attemptErrors).toHaveLength(1);
    });
  });

  describe('timeouts and cancellation', () => {
    it('aborts a run that exceeds its timeout and records a retryable TIMEOUT failure', async () => {
      const id = await queue.enqueue(TooSlowTask, undefined);
      const task = await whenStatus(id, 'failed');
      expect(task.attempts).toBe(2); // maxRetryCount: 1
      expect(task.error).toMatchObject({ code: 'TIMEOUT' });
      expect(task.attemptErrors.map((entry) => (entry.error as { code: string }).code)).toEqual([
        'TIMEOUT',
        'TIMEOUT',
      ]);
    });

    it('stores a cancellation outcome as cancelled', async () => {
      const id = await queue.enqueue(SelfCancellingTask, undefined);
      expect(await whenStatus(id, 'cancelled')).toMatchObject({
        error: { reason: 'the source was deleted' },
      });
    });

    it('cancels waiting tasks, enqueued or suspended, at once and never runs them', async () => {
      const later = await queue.enqueue(SleepTask, { ms: 1 }, { runAt: new Date(Date.now() + 60_000) });
      expect(await store.cancelWaiting(later, { code: 'CANCELLED' })).toBe(true);
      expect(await store.findById(later)).toMatchObject({ status: 'cancelled', attempts: 0 });
      expect(await store.cancelWaiting(later, { code: 'CANCELLED' })).toBe(false);

      const suspended = await queue.enqueue(ApprovalTask, { resumeInMs: 60_000 });
      await whenStatus(suspended, 'suspended');
      expect(await store.cancelWaiting(suspended, { code: 'CANCELLED' })).toBe(true);
      // Its resume time is gone with it: the sweep that resumes suspended tasks never brings it back.
      await store.resumeDueTasks();
      expect(await store.findById(suspended)).toMatchObject({ status: 'cancelled', resumeAt: null });
    });

    it('stops a running task by its signal when its cancellation is requested', async () => {
      const id = await queue.enqueue(SleepTask, { ms: 30_000 });
      await whenStatus(id, 'processing');
      const requestedAt = Date.now();
      expect(await store.requestCancellation(id)).toBe(true);
      const task = await whenStatus(id, 'cancelled');
      expect(task).toMatchObject({ attempts: 1, result: null, error: { code: 'CANCELLED' } });
      // Stopped by its signal (a heartbeat reads the request), not after the 30 s it would have slept.
      expect(task.completedAt!.getTime() - requestedAt).toBeLessThan(15_000);
    });

    it('ends a run cancelled, not retried, when it fails after a cancellation was requested', async () => {
      const id = await queue.enqueue(SleepTask, { ms: 30_000 });
      const running = await whenStatus(id, 'processing');
      // The request lands; before any heartbeat sees it, the run ends with a failure that would be retried.
      await store.requestCancellation(id);
      await store.finish([
        {
          id,
          leaseOwner: running.leaseOwner!,
          attempt: 1,
          ending: {
            kind: 'retrying',
            errorJson: '{"message":"boom"}',
            attemptErrorJson: `{"attempt":1,"at":"${new Date().toISOString()}","error":{"message":"boom"}}`,
            runAfter: new Date(),
          },
          progress: running.progress,
        },
      ]);
      const task: BackgroundTaskRecord | undefined = await store.findById(id);
      expect(task).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } });
      expect(task!.completedAt).not.toBeNull();
    });
  });
});
