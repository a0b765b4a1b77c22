import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { BackgroundTaskView } from '../../src/background-tasks/queries/background-task.view.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

const TOKENS = {
  admin: 'admin-token-0123456789',
  alice: 'alice-token-0123456789',
  bob: 'bob-token-012345678901',
};

describe.each(TEST_ENGINES)('background tasks over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: `root:${TOKENS.admin}:admin,alice:${TOKENS.alice},bob:${TOKENS.bob}:editor` },
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const as = (user: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[user]}` });
  const startDemo = (user: keyof typeof TOKENS, body: object) =>
    request(app.getHttpServer()).post('/api/test-tasks').set(as(user)).send(body);

  it('starts a task (202, Location) whose progress a polling client sees move to completion', async () => {
    // Steps of 700 ms: polled every 30 ms, each is seen however slow a request is on a busy machine.
    const started = await startDemo('alice', { steps: 4, stepMs: 700 }).expect(202);
    const { taskId } = started.body as { taskId: string };
    expect(started.headers.location).toBe(`/api/background-tasks/${taskId}`);

    const seen = new Set<number>();
    const done = await eventually(
      async () => {
        const { body } = await request(app.getHttpServer())
          .get(started.headers.location)
          .set(as('alice'))
          .expect(200);
        const task = body as BackgroundTaskView;
        seen.add(task.percentComplete);
        return task.status === 'completed' ? task : undefined;
      },
      60_000,
      30,
    );
    expect(done).toMatchObject({
      id: taskId,
      name: 'test.ticks',
      status: 'completed',
      taskStep: 4,
      statusInfo: 'Finished 4 steps',
      percentComplete: 100,
      attempts: 1,
      createdBy: 'alice',
      result: { steps: 4 },
      error: null,
      metadata: { steps: 4, stepMs: 700 },
    });
    expect(done.startedAt).toEqual(expect.any(String));
    expect(done.completedAt).toEqual(expect.any(String));
    // The client saw intermediate progress, not just 0 and 100.
    expect([...seen].filter((percent) => percent > 0 && percent < 100).length).toBeGreaterThanOrEqual(2);
  });

  it('requires a valid bearer token', async () => {
    const missing = await request(app.getHttpServer()).post('/api/test-tasks').send({}).expect(401);
    expect(missing.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(missing.body.message).toMatch(/Authorization: Bearer/);
    const wrong = await request(app.getHttpServer())
      .get('/api/background-tasks/01a20953-b561-74b2-a43f-ef944f139a4a')
      .set({ Authorization: 'Bearer not-a-real-token' })
      .expect(401);
    expect(wrong.body.message).toMatch(/not valid/);
  });

  it('shows a task to its creator and to admins only, and its metadata to its creator only', async () => {
    const { body } = await startDemo('alice', { steps: 1, stepMs: 0 }).expect(202);
    const path = `/api/background-tasks/${body.taskId}`;
    const byBob = await request(app.getHttpServer()).get(path).set(as('bob')).expect(404);
    expect(byBob.body).toMatchObject({ code: 'BACKGROUND_TASK.NOT_FOUND' });
    const byAdmin = await request(app.getHttpServer()).get(path).set(as('admin')).expect(200);
    expect(byAdmin.body.createdBy).toBe('alice');
    expect(byAdmin.body).not.toHaveProperty('metadata');
    const byAlice = await request(app.getHttpServer()).get(path).set(as('alice')).expect(200);
    expect(byAlice.body.metadata).toEqual({ steps: 1, stepMs: 0 });
  });

  it('answers 400 for a malformed id and 404 for an unknown one', async () => {
    const malformed = await request(app.getHttpServer())
      .get('/api/background-tasks/12345')
      .set(as('admin'))
      .expect(400);
    expect(malformed.body.message).toMatch(/uuid/i);
    const unknown = await request(app.getHttpServer())
      .get('/api/background-tasks/01a20953-0000-7000-8000-000000000000')
      .set(as('admin'))
      .expect(404);
    expect(unknown.body).toMatchObject({
      code: 'BACKGROUND_TASK.NOT_FOUND',
      message: expect.stringMatching(/not found/),
    });
  });

  it.each([
    [{ steps: '5' }, /steps must be an integer/],
    [{ steps: 0 }, /steps must not be less than 1/],
    [{ steps: 5, stepMs: 600_000 }, /stepMs must not be greater than 60000/],
    [{ steps: 5, sneaky: true }, /property sneaky should not exist/],
  ])('rejects the body %j with a 400 naming the problem, and enqueues nothing', async (body, message) => {
    const before = await db.count();
    const response = await startDemo('admin', body).expect(400);
    expect(JSON.stringify(response.body.message)).toMatch(message);
    expect(await db.count()).toBe(before);
  });

  it('rejects invalid JSON with a 400', async () => {
    const response = await request(app.getHttpServer())
      .post('/api/test-tasks')
      .set(as('admin'))
      .set('Content-Type', 'application/json')
      .send('{"steps": 5,')
      .expect(400);
    expect(JSON.stringify(response.body)).toMatch(/JSON/i);
  });

  it('rejects a body over the size limit with a 413', async () => {
    await startDemo('admin', { steps: 5, padding: 'x'.repeat(200_000) }).expect(413);
  });
});
