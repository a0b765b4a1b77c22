import pg from 'pg';
import { PostgresTaskChannels } from '../../src/background-tasks/events/postgres-task-channels.js';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { notificationChannel } from '../../src/background-tasks/storage/postgres/postgres-statements.js';
import type { NewTaskRow } from '../../src/background-tasks/model/task-records.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { uuidv7 } from '../../src/shared/uuid-v7.js';
import { ChildWorker } from '../support/child-worker.js';
import { newTaskRow } from '../support/task-rows.js';
import { createTestApp, eventually, RecordingLogger } from '../support/test-app.js';
import { POSTGRES_DIRECT_URL, TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RecordRunTask, RUNS_TABLE } from '../support/test-tasks.js';

/** Polling so slow that a task started well within a minute can only have been woken up. */
const NO_POLLING = { PollingDelay: '60s' };
const WOKEN_WITHIN_MS = 30_000;

describe.each(TEST_ENGINES)('wake-ups [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterAll(async () => {
    await db?.dispose();
  });

  const completed = (store: TaskStore, id: string) =>
    eventually(async () => {
      const found = await store.findById(id);
      return found?.status === 'completed' ? found : undefined;
    }, WOKEN_WITHIN_MS);

  it('starts a task enqueued in the same process at once, without waiting for a poll', async () => {
    const app = await createTestApp(db, { env: NO_POLLING });
    try {
      // The worker's claim rounds at start have answered and it waits; the next poll is a minute away.
      await eventually(() => app.get(QueuedHostedService).status.waitingForWork);
      const id = await app.get(BackgroundTaskQueue).enqueue(RecordRunTask, {});
      const task = await completed(app.get(TaskStore), id);
      expect(task.startedAt!.getTime() - task.createdAt.getTime()).toBeLessThan(WOKEN_WITHIN_MS);
    } finally {
      await app.close();
    }
  });

  const postgresOnly = engine === 'postgres' ? it : it.skip;
  postgresOnly(
    'starts a task enqueued by another process within moments, through LISTEN/NOTIFY',
    async () => {
      const worker = await ChildWorker.start({ ...db.env, ...NO_POLLING });
      const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
      try {
        const queue = api.get(BackgroundTaskQueue);
        // The first task may be taken by the worker's first claim round; once it is done, that round is
        // over, and only a notification can start the second before the next poll.
        await completed(api.get(TaskStore), await queue.enqueue(RecordRunTask, {}));
        const task = await completed(api.get(TaskStore), await queue.enqueue(RecordRunTask, {}));
        expect(task.startedAt!.getTime() - task.createdAt.getTime()).toBeLessThan(WOKEN_WITHIN_MS);
      } finally {
        await api.close();
        await worker.stop();
      }
    },
  );

  postgresOnly(
    'behind a transaction pooler without DATABASE_LISTEN_URL, says it polls and runs another process’s tasks',
    async () => {
      const pooled = {
        DATABASE_POOLING: 'transaction',
        DATABASE_LISTEN_URL: undefined,
        PollingDelay: '100ms',
      };
      const logger = new RecordingLogger();
      const worker = await createTestApp(db, { env: pooled, logger });
      const api = await createTestApp(db, { env: { ...pooled, APP_ROLE: 'api' } });
      try {
        expect(logger.has('log', /no DATABASE_LISTEN_URL: no LISTEN through the pooler/)).toBe(true);
        expect(worker.get(PostgresTaskChannels).receivesRemoteChanges).toBe(false);
        const ids = await api.get(BackgroundTaskQueue).enqueueMany(RecordRunTask, [{}, {}, {}]);
        for (const id of ids) await completed(worker.get(TaskStore), id);
        // Nothing LISTENs for this schema: the worker found them by polling.
        const [{ listeners }] = await db.sql<{ listeners: number | string }>(
          'SELECT count(*) AS listeners FROM pg_stat_activity WHERE application_name = ?',
          [`background-tasks:${db.env.SchemaName}`],
        );
        expect(Number(listeners)).toBe(0);
      } finally {
        await api.close();
        await worker.close();
      }
    },
  );

  postgresOnly('announces every task that waits to be claimed, and none it hands over', async () => {
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    const channel = notificationChannel(db.env.SchemaName);
    const listener = new pg.Client({ connectionString: POSTGRES_DIRECT_URL });
    const received: string[] = [];
    let markers = 0;
    try {
      await listener.connect();
      listener.on('notification', (message) => received.push(message.payload ?? ''));
      await listener.query(`LISTEN "${channel}"`);
      /**
       * The notifications the statement sent: a marker notified after it arrives after them (PostgreSQL
       * delivers notifications in commit order), so no waiting for a time is needed.
       */
      const announcedBy = async (statement: () => Promise<unknown>) => {
        const before = received.length;
        await statement();
        const marker = `marker-${++markers}`;
        await listener.query(`SELECT pg_notify($1, $2)`, [channel, marker]);
        await eventually(() => received.includes(marker));
        return received.slice(before, received.indexOf(marker)).length;
      };
      const store = api.get(TaskStore);
      const row = (overrides: Partial<NewTaskRow> = {}) => newTaskRow('test.record-run', overrides);
      const lease = { leaseOwner: 'local#1', leaseDurationMs: 30_000, names: ['test.record-run'] };
      const handedOver = await store.enqueueClaimed(row(), lease);
      expect(handedOver.claimed).toBeDefined();
      expect(await announcedBy(() => store.enqueueClaimed(row({ priority: -1 }), lease))).toBe(0); // handed over too
      expect(await announcedBy(() => store.enqueue(row()))).toBe(1);
      expect(await announcedBy(() => store.enqueueClaimed(row(), lease))).toBe(1); // one waits ahead: queued
      const many = {
        name: 'test.record-run',
        priority: 0,
        runAfter: null,
        maxAttempts: 3,
        createdBy: null,
        concurrencyKey: null,
        traceContext: null,
      };
      const ids = Array.from({ length: 3 }, () => uuidv7());
      expect(
        await announcedBy(() => store.enqueueMany({ ...many, ids, metadata: ids.map(() => '{}') })),
      ).toBe(1);
      expect(await announcedBy(() => store.enqueue(row({ idempotencyKey: 'once' })))).toBe(1);
      expect(await announcedBy(() => store.enqueue(row({ idempotencyKey: 'once' })))).toBe(0); // nothing new
    } finally {
      await listener.end();
      await api.close();
    }
  });
});
