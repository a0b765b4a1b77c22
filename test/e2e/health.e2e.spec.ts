import request from 'supertest';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { DataSource } from 'typeorm';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

describe.each(TEST_ENGINES)('GET /health [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('reports the database, a live worker and the queue depth, without a token', async () => {
    const app = await createTestApp(db);
    try {
      await app
        .get(BackgroundTaskQueue)
        .enqueue(SleepTask, { ms: 1 }, { runAt: new Date(Date.now() + 60_000) });
      const response = await eventually(async () => {
        const res = await request(app.getHttpServer()).get('/health');
        const worker = (res.body as { info?: { worker?: { lastClaimRoundAt?: unknown } } }).info?.worker;
        return res.status === 200 && worker?.lastClaimRoundAt ? res : undefined;
      });
      expect(response.body).toMatchObject({
        status: 'ok',
        info: {
          database: { status: 'up' },
          worker: { status: 'up', running: true, lastClaimRoundAt: expect.any(String) },
          queue: { status: 'up', enqueued: 1, processing: 0, suspended: 0 },
        },
      });
    } finally {
      await app.close();
    }
  });

  it('says that an API-only process runs no worker', async () => {
    const api = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    try {
      const response = await request(api.getHttpServer()).get('/health').expect(200);
      expect(response.body.info.worker).toEqual({
        status: 'up',
        running: false,
        reason: 'APP_ROLE=api runs no worker',
      });
    } finally {
      await api.close();
    }
  });
});

describe('GET /health when the worker is stuck but the database answers [sqlite]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('says degraded (200), not down, and ok again once claims go through', async () => {
    const app = await createTestApp(db);
    try {
      await eventually(async () => (await request(app.getHttpServer()).get('/health')).body.status === 'ok');
      // Another connection holds the write lock: reads (the ping, the queue depth) still work, claims do not.
      await db.sql('BEGIN IMMEDIATE');
      try {
        const degraded = await eventually(
          async () => {
            const res = await request(app.getHttpServer()).get('/health');
            return res.body.status === 'degraded' ? res : undefined;
          },
          20_000,
          250,
        );
        expect(degraded.status).toBe(200);
        expect(degraded.body.info.database).toMatchObject({ status: 'up' });
        expect(degraded.body.info.worker).toMatchObject({
          status: 'degraded',
          running: true,
          reason: expect.stringMatching(/^no claim round for \d+ s$/),
        });
        expect(degraded.body.info.queue).toMatchObject({ status: 'up' });
      } finally {
        await db.sql('ROLLBACK');
      }
      await eventually(
        async () => (await request(app.getHttpServer()).get('/health')).body.status === 'ok',
        30_000,
      );
    } finally {
      await app.close();
    }
  });
});

// PostgreSQL's case is a real outage, in the fault suite (database-outage.fault.ts), where every 503 is
// checked the same way; here the data source is closed under a running application.
describe('GET /health with the database gone [sqlite]', () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('says why the database is down to admins only, and that it is down to anybody', async () => {
    const app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    try {
      await app.get(DataSource).destroy(); // the database is gone for this process
      const anonymous = await request(app.getHttpServer()).get('/health').expect(503);
      const editor = await request(app.getHttpServer())
        .get('/health')
        .set('Authorization', `Bearer ${TEST_USERS.alice}`)
        .expect(503);
      const admin = await request(app.getHttpServer())
        .get('/health')
        .set('Authorization', `Bearer ${TEST_USERS.root}`)
        .expect(503);
      for (const { body } of [anonymous, editor]) {
        expect(body.error.database).toEqual({
          status: 'down',
          reason: 'down; an admin token shows why, and the log says',
        });
        expect(JSON.stringify(body)).not.toMatch(/initialized|connection|database "|ECONN|SQLITE/i);
      }
      expect(admin.body.error.database).toMatchObject({ status: 'down', message: expect.any(String) });
      expect(admin.body.error.database.reason).toBeUndefined();
    } finally {
      // Back for the shutdown, which stores what the worker holds through the same data source.
      const dataSource = app.get(DataSource);
      if (!dataSource.isInitialized) await dataSource.initialize();
      await app.close();
    }
  });
});
