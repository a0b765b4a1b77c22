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
      // In bulk: never handed over, so every task is taken by a claim round.
      await queue.enqueueMany(
        SleepTask,
        Array.from({ length: 200 }, () => ({ ms: 15 })),
      );

      // Kill every connection of this application (pool and LISTEN), three times while it works.
      for (let round = 0; round < 3; round++) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        await db.sql(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name IN (?, ?)`,
          [`app:${db.env.SchemaName}`, `background-tasks:${db.env.SchemaName}`],
        );
      }
      const killedAt = Date.now();
      // The worker goes on claiming after the kills: a batch enqueued after them is claimed and completed.
      // (Its own statement may meet a connection killed a moment ago: tried again until one takes it.)
      await eventually(() =>
        queue
          .enqueueMany(
            SleepTask,
            Array.from({ length: 20 }, () => ({ ms: 1 })),
          )
          .then(
            () => true,
            () => false,
          ),
      );
      await eventually(async () => (await db.count("status = 'completed'")) >= 220, 60_000, 100);
      expect(await db.count("status <> 'completed'")).toBe(0);
      // Taken by claim rounds (enqueueMany hands nothing over), so one went through after the kills.
      expect(app.get(QueuedHostedService).lastClaimRoundAt!.getTime()).toBeGreaterThan(killedAt);
      // The kills were noticed (the LISTEN connection's loss, at least, is logged when its socket says so).
      await eventually(
        () => logger.lines.some((line) => /terminating connection|Connection terminated/i.test(line.message)),
        30_000,
      );
    } finally {
      await app.close();
    }
  }, 120_000);
});
