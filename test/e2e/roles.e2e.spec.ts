import { setTimeout as delay } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { QueuedHostedService } from '../../src/background-tasks/execution/queued-hosted-service.js';
import { HttpClient, TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

describe.each(TEST_ENGINES)('APP_ROLE [%s]', (engine) => {
  let db: TestDatabase;
  let api: INestApplication<App>;
  let worker: INestApplication<App> | undefined;
  const env = { ADMIN_TOKENS: TEST_ADMIN_TOKENS };

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    api = await createTestApp(db, { env: { ...env, APP_ROLE: 'api' } });
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.dispose();
  });

  it('api serves the API and never claims a task; a worker process then runs it', async () => {
    const http = new HttpClient(api);
    const started = await http.as('alice').post('/api/test-tasks').send({ steps: 1, stepMs: 0 }).expect(202);
    const { taskId } = started.body as { taskId: string };
    expect(api.get(QueuedHostedService).isRunning).toBe(false);
    // Five polling periods (200 ms in tests), and a wake-up from the enqueue itself: nothing happens. (The
    // proof is that no claim round ever ran in this process; the wait only gives a wrong one the chance.)
    await delay(1_000);
    expect(api.get(QueuedHostedService).lastClaimRoundAt).toBeUndefined();
    const waiting = await http.as('alice').get(`/api/background-tasks/${taskId}`).expect(200);
    expect(waiting.body).toMatchObject({ status: 'enqueued', attempts: 0, startedAt: null });
    expect(await db.count('status = ?', ['processing'])).toBe(0);

    worker = await createTestApp(db, { env: { ...env, APP_ROLE: 'worker' } });
    const done = await http.finishedTask('alice', taskId);
    expect(done).toMatchObject({ status: 'completed', attempts: 1 });
  });

  it('worker serves no /api (nor the dashboard or the docs), only /health and /metrics', async () => {
    worker ??= await createTestApp(db, { env: { ...env, APP_ROLE: 'worker' } });
    const server = worker.getHttpServer();
    const auth = { Authorization: `Bearer ${TEST_USERS.root}` };
    await request(server).get('/api/background-tasks').set(auth).expect(404);
    await request(server).post('/api/test-tasks').set(auth).send({}).expect(404);
    await request(server).get('/api/content-types').set(auth).expect(404);
    await request(server).post('/api/stream-tokens').set(auth).expect(404);
    await request(server).get('/admin').expect(404);
    await request(server).get('/docs/openapi.json').expect(404);

    const health = await request(server).get('/health').expect(200);
    expect(health.body.info.worker).toMatchObject({ status: 'up', running: true });
    const metrics = await request(server).get('/metrics').expect(200);
    // The task of the previous test ran here, and was counted by this process.
    expect(metrics.text).toContain('background_tasks_completed_total{name="test.ticks"} 1');
  });
});
