import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { SseClient } from '../support/sse-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

const OLD = 'alice-old-token-0123456789';
const NEW = 'alice-new-token-0123456789';

/** A token rotated as the README says: the new one listed beside the old, then the old one removed. */
describe.each(TEST_ENGINES)('token rotation [%s]', (engine) => {
  let db: TestDatabase;
  const apps: Record<'before' | 'during' | 'after', INestApplication<App>> = {} as never;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    const tokens = { before: `alice:${OLD}`, during: `alice:${OLD},alice:${NEW}`, after: `alice:${NEW}` };
    for (const stage of ['before', 'during', 'after'] as const) {
      apps[stage] = await createTestApp(db, {
        env: { ADMIN_TOKENS: tokens[stage], APP_ROLE: stage === 'during' ? 'all' : 'api' },
      });
      await apps[stage].listen(0, '127.0.0.1');
    }
  });

  afterAll(async () => {
    for (const app of Object.values(apps)) await app?.close();
    await db?.dispose();
  });

  const as = (stage: keyof typeof apps, token: string) => ({
    get: (path: string) =>
      request(apps[stage].getHttpServer()).get(path).set('Authorization', `Bearer ${token}`),
    post: (path: string) =>
      request(apps[stage].getHttpServer()).post(path).set('Authorization', `Bearer ${token}`),
  });
  const streamUrl = (stage: keyof typeof apps, path: string) =>
    `http://127.0.0.1:${((apps[stage].getHttpServer() as Server).address() as AddressInfo).port}${path}`;

  it('lets both tokens act as the same user while both are listed, on every instance', async () => {
    const started = await as('during', OLD).post('/api/test-tasks').send({ steps: 1, stepMs: 0 }).expect(202);
    const { taskId } = started.body as { taskId: string };
    // The creator sees the task's metadata, whichever of its tokens it sends.
    const seen = await as('during', NEW).get(`/api/background-tasks/${taskId}`).expect(200);
    expect(seen.body).toMatchObject({ createdBy: 'alice', metadata: { steps: 1 } });
    await as('before', OLD).get(`/api/background-tasks/${taskId}`).expect(200);
    await as('after', NEW).get(`/api/background-tasks/${taskId}`).expect(200);
    await as('after', OLD).get(`/api/background-tasks/${taskId}`).expect(401);

    // A stream token opens streams on every instance that knows the token it was traded for.
    for (const [token, elsewhere] of [
      [OLD, 'before'],
      [NEW, 'after'],
    ] as const) {
      const { body } = await as('during', token).post('/api/stream-tokens').expect(201);
      const stream = await SseClient.open(
        streamUrl(elsewhere, `/api/background-tasks/${taskId}/events?streamToken=${body.streamToken}`),
      );
      expect({ token, status: stream.status }).toEqual({ token, status: 200 });
      stream.close();
    }
  });
});
