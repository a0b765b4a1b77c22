import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { ChildWorker } from '../support/child-worker.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { ResumableSleepTask } from '../support/test-tasks.js';
import { reportScenario } from './support/fault-report.js';

const postgres = process.env.TEST_POSTGRES_URL ? describe : describe.skip;
const RUNNING = 200;
const GRACE_MS = 5_000;

postgres('graceful shutdown: SIGTERM during 200 running tasks [postgres]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('puts all 200 back to enqueued within the grace period, and a restarted worker completes them', async () => {
    const env = {
      ...db.env,
      WORKER_CONCURRENCY: String(RUNNING),
      SHUTDOWN_GRACE_PERIOD: `${GRACE_MS}ms`,
      TEST_LOGS: '1', // its warnings, to tell handlers that stopped at their signal from abandoned ones
    };
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    try {
      const worker = await ChildWorker.start(env);
      const metadata = Array.from({ length: RUNNING }, () => ({ ms: 120_000 }));
      await api.get(BackgroundTaskQueue).enqueueMany(ResumableSleepTask, metadata);
      await eventually(async () => (await db.count("status = 'processing'")) === RUNNING, 30_000, 100);

      const signalledAt = Date.now();
      expect((await worker.stop('SIGTERM')).signal).toBe('SIGTERM');
      const stoppedInMs = Date.now() - signalledAt;
      const processing = await db.count("status = 'processing'");
      const enqueued = await db.count("status = 'enqueued' AND attempts = 0 AND lease_owner IS NULL");

      const restarted = await ChildWorker.start(env);
      const restartedAt = Date.now();
      try {
        await eventually(async () => (await db.count("status = 'completed'")) === RUNNING, 30_000, 100);
      } finally {
        await restarted.stop();
      }
      const completedInMs = Date.now() - restartedAt;
      const resumed = await db.count(`status = 'completed' AND result = ?`, ['{"resumed":true}']);

      reportScenario(
        'graceful shutdown (PostgreSQL, 200 running tasks)',
        `SIGTERM: process gone in ${stoppedInMs} ms (grace ${GRACE_MS} ms), ${enqueued}/${RUNNING} back to enqueued, ` +
          `${processing} left processing; after a restart all ${RUNNING} completed in ${completedInMs} ms, ` +
          `${resumed} of them from their checkpoint`,
        { running: RUNNING, stoppedInMs, graceMs: GRACE_MS, enqueued, processing, completedInMs, resumed },
      );
      // Every handler stopped at its signal: none outlived the grace period and had to be abandoned.
      expect(worker.output).not.toMatch(/did not stop within/);
      expect(processing).toBe(0);
      expect(enqueued).toBe(RUNNING);
      expect(resumed).toBe(RUNNING);
    } finally {
      await api.close();
    }
  });
});
