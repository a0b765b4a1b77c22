import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

const postgres = process.env.TEST_POSTGRES_URL ? describe : describe.skip;

postgres('database errors do not stop the worker [postgres]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('keeps claiming and completes every task while its connections are killed under it', async () => {
    const logger = new RecordingLogger();
    const app = await createTestApp(db, { env: { WORKER_CONCURRENCY: '4', PollingDelay: '100ms' }, logger });
    try {
      const queue = app.get(BackgroundTaskQueue);
      for (let i = 0; i < 200; i++) await queue.enqueue(SleepTask, { ms: 15 });

      // Kill every connection of this application (pool and LISTEN), three times while it works.
      for (let round = 0; round < 3; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await db.sql(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN (?, ?)`,
          [`app:${db.env.SchemaName}`, `listener:${db.env.SchemaName}`],
        );
      }
      const killedAt = new Date();

      await eventually(async () => (await db.count("status = 'completed'")) === 200, 30_000, 100);
      expect(await db.count("status <> 'completed'")).toBe(0);
      expect(app.get(QueuedHostedService).lastClaimRoundAt!.getTime()).toBeGreaterThan(killedAt.getTime());
      expect(
        logger.lines.some((line) => /terminating connection|Connection terminated/i.test(line.message)),
      ).toBe(true);
    } finally {
      await app.close();
    }
  });
});
