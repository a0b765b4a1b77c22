import type { INestApplication } from '@nestjs/common';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { BackgroundTaskRecord } from '../../src/background-tasks/model/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { isStorableText } from '../../src/shared/text/storable-text.js';
import {
  EXPECTED_ENDINGS,
  HANDLER_BEHAVIOURS,
  type HandlerBehaviour,
} from '../support/handler-behaviours.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { BehaviourTask, createRunsTableSql, RecordRunTask, RUNS_TABLE } from '../support/test-tasks.js';

/** A little more than TASK_PAYLOAD_MAX_SIZE below, so that the too-large cases are cheap. */
const TOO_LARGE = 20_000;
const FINAL = ['completed', 'failed', 'cancelled'];

/**
 * Whatever a handler does ends that one task, with a stable error code, and costs nothing else: not its
 * slot (one slot here, so the next task runs only if it came back), not another task's ending, not the
 * worker's loop. The same behaviours run, in random sequences, in the worker's model-based test.
 */
describe.each(TEST_ENGINES)('whatever a handler does, it ends its own task only [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication;
  let logger: RecordingLogger;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
    logger = new RecordingLogger();
    app = await createTestApp(db, {
      env: {
        WORKER_CONCURRENCY: '1',
        TASK_PAYLOAD_MAX_SIZE: '16kb',
        SHUTDOWN_GRACE_PERIOD: '300ms',
        PollingDelay: '100ms',
      },
      logger,
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const whenFinal = (id: string) =>
    eventually(async () => {
      const task = await app.get(TaskStore).findById(id);
      return task && FINAL.includes(task.status) ? task : undefined;
    }, 30_000);

  it.each(HANDLER_BEHAVIOURS.map((behaviour) => [behaviour, EXPECTED_ENDINGS[behaviour]] as const))(
    '%s: ends as %j, and the one slot runs the next task',
    async (behaviour: HandlerBehaviour, expected) => {
      const queue = app.get(BackgroundTaskQueue);
      const id = await queue.enqueue(BehaviourTask, { behaviour, ms: 50, tooLarge: TOO_LARGE });
      const next = await queue.enqueue(RecordRunTask, {}); // waits for the only slot
      const task: BackgroundTaskRecord = await whenFinal(id);
      const error = task.error as { code?: string; message?: string } | null;
      expect({ status: task.status, code: error?.code }).toEqual({
        status: expected.status,
        code: expected.code,
      });
      // An error the worker made says what happened; a task's own (E_…) says what the task said.
      if (expected.status === 'failed' && !expected.code?.startsWith('E_')) {
        expect(error?.message).toEqual(expect.any(String));
      }
      expect(await whenFinal(next)).toMatchObject({ status: 'completed' });
    },
  );

  it('stores what a too-large or unstorable value was instead of it, and keeps progress storable', async () => {
    const queue = app.get(BackgroundTaskQueue);
    const tooLargeError = await whenFinal(
      await queue.enqueue(BehaviourTask, { behaviour: 'error-too-large', ms: 0, tooLarge: TOO_LARGE }),
    );
    expect(tooLargeError.error).toMatchObject({
      code: 'ERROR_TOO_LARGE',
      message: expect.stringMatching(/more than the 16 kB a task may store \(TASK_PAYLOAD_MAX_SIZE\)/),
      start: expect.stringMatching(/^\{"detail":"xxx/),
    });
    const nonError = await whenFinal(
      await queue.enqueue(BehaviourTask, { behaviour: 'reject-bigint', ms: 0, tooLarge: TOO_LARGE }),
    );
    expect(nonError.error).toMatchObject({ message: 'The task threw the BigInt 10n instead of an Error' });

    const garbage = await whenFinal(
      await queue.enqueue(BehaviourTask, { behaviour: 'progress-garbage', ms: 0, tooLarge: TOO_LARGE }),
    );
    const info = garbage.progress.info!;
    expect(info.length).toBeLessThanOrEqual(1000);
    expect(isStorableText(info)).toBe(true);
    expect(info.startsWith('z'.repeat(999))).toBe(true); // cut after 1,000 code units, then made whole
    expect(garbage.progress).toMatchObject({ step: 2 ** 31 - 1, percent: 100 });
  });

  it('stores every other ending of a batch in which one result cannot be stored, and stops cleanly', async () => {
    const worker = await createTestApp(db, {
      env: { WORKER_CONCURRENCY: '8', WORKER_PREFETCH: '50', BatchSize: '50', PollingDelay: '100ms' },
      logger,
    });
    let closed = false;
    try {
      const behaviours: HandlerBehaviour[] = Array.from({ length: 40 }, (_, i) =>
        i % 10 === 5 ? 'result-bigint' : 'succeed',
      );
      const ids = await worker.get(BackgroundTaskQueue).enqueueMany(
        BehaviourTask,
        behaviours.map((behaviour) => ({ behaviour, ms: 0, tooLarge: TOO_LARGE })),
      );
      const tasks = await Promise.all(ids.map(whenFinal));
      tasks.forEach((task, index) =>
        expect({ status: task.status, code: (task.error as { code?: string } | null)?.code }).toEqual(
          behaviours[index] === 'succeed'
            ? { status: 'completed', code: undefined }
            : { status: 'failed', code: 'RESULT_NOT_STORABLE' },
        ),
      );
      await worker.close();
      closed = true;
      expect(logger.has('error', /Could not store .* task ending/)).toBe(false);
      expect(await db.count("status = 'processing'")).toBe(0);
    } finally {
      if (!closed) await worker.close();
    }
  });
});
