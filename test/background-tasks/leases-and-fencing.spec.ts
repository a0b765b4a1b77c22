import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

/**
 * A worker that loses a lease stops its handler and writes nothing more. The statements' own fencing (every
 * write matched on the lease owner) is checked statement by statement in task-store-contract.spec.ts.
 */
describe.each(TEST_ENGINES)('a worker that loses a lease [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('aborts the running handler, and stores nothing from it', async () => {
    const logger = new RecordingLogger();
    const worker = await createTestApp(db, { env: { APP_ROLE: 'all', LEASE_DURATION: '1s' }, logger });
    try {
      const store = worker.get(TaskStore);
      const id = await worker.get(BackgroundTaskQueue).enqueue(SleepTask, { ms: 30_000 });
      await eventually(async () => (await store.findById(id))?.status === 'processing');
      // Another worker took over, as after an expiry the sweep and its claim would: a lease of its own.
      const stolenUntil = new Date(Date.now() + 60_000).toISOString();
      await db.sql(
        `UPDATE ${db.table('background_tasks')} SET lease_owner = ?, lease_expires_at = ? WHERE id = ?`,
        ['thief#1', stolenUntil, id],
      );
      await eventually(() => logger.has('warn', new RegExp(`Task ${id} .*lease lost`)), 10_000);
      // The handler stopped (its signal fired): whatever it did on its way out was not written.
      await eventually(() => worker.get(QueuedHostedService).activeRunCount === 0, 10_000);
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
