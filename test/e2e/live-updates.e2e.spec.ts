import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { BackgroundTaskView } from '../../src/background-tasks/queries/background-task.view.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TEST_ADMIN_TOKENS, TEST_USERS, type TestUser } from '../support/http-client.js';
import { baseUrl, SseClient } from '../support/sse-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { SleepTask } from '../support/test-tasks.js';

const bearer = (user: TestUser) => ({ Authorization: `Bearer ${TEST_USERS[user]}` });

/** Milliseconds from each change's write (the row's updatedAt) to its event, for every event after the first. */
function latencies(client: SseClient): number[] {
  return client.events
    .filter((event) => event.type === 'task')
    .slice(1)
    .map((event) => event.receivedAt - Date.parse((JSON.parse(event.data) as BackgroundTaskView).updatedAt));
}

describe.each(TEST_ENGINES)('live task updates over server-sent events [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let url: string;
  const clients: SseClient[] = [];

  const open = async (path: string, headers: Record<string, string> = {}) => {
    const client = await SseClient.open(`${url}${path}`, headers);
    clients.push(client);
    return client;
  };
  const startDemo = async (user: TestUser, steps: number, stepMs: number) => {
    const response = await request(app.getHttpServer())
      .post('/api/test-tasks')
      .set(bearer(user))
      .send({ steps, stepMs })
      .expect(202);
    return (response.body as { taskId: string }).taskId;
  };

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    await app.listen(0, '127.0.0.1');
    url = baseUrl(app);
  });

  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('holds one user to 20 open streams (429 past them), counting each until it is closed', async () => {
    const streams: SseClient[] = [];
    for (let i = 0; i < 20; i++) streams.push(await open('/api/background-tasks/events', bearer('alice')));
    expect(streams.every((stream) => stream.status === 200)).toBe(true);
    const refused = await open('/api/background-tasks/events', bearer('alice'));
    expect(refused.status).toBe(429);
    expect((await open('/api/background-tasks/events', bearer('bob'))).status).toBe(200);
    streams[0].close();
    // The server learns of the closed connection by itself, a moment later.
    await eventually(async () => {
      const again = await open('/api/background-tasks/events', bearer('alice'));
      again.close();
      return again.status === 200;
    });
  });

  it('streams a task from its state now to its final state, pushing every change, then ends', async () => {
    // Six steps of 750 ms, 4.5 s: a stream polling every second (SQLite's period) could see at most five of
    // them (its first read and four polls), and each step lasts long enough for a pushed read to catch it
    // on a busy machine. On SQL Server (Babelfish in CI) a read on a busy machine outlasted 750 ms, so there
    // steps last 2 s: the test shows every change arrives, and the other engines that it is pushed.
    const taskId = await startDemo('alice', 6, engine === 'sqlserver' ? 2_000 : 750);
    const stream = await open(`/api/background-tasks/${taskId}/events`, bearer('alice'));
    expect(stream.status).toBe(200);
    expect(stream.contentType).toMatch(/^text\/event-stream/);
    await stream.done;

    const views = stream.data<BackgroundTaskView>('task');
    expect(views.at(-1)).toMatchObject({ id: taskId, status: 'completed', percentComplete: 100 });
    // Every step was seen, in order, while it ran.
    // (The first processing view may come before the first step: the claim is a change too.)
    const steps = views
      .filter((v) => v.status === 'processing' && v.taskStep !== null)
      .map((v) => v.taskStep);
    expect(new Set(steps)).toEqual(new Set([1, 2, 3, 4, 5, 6]));
    expect(steps).toEqual([...steps].sort());
    // Pushed, not polled: all six steps arrived, and as events of their own.
    expect(latencies(stream).length).toBeGreaterThanOrEqual(6);
  });

  it('sends a finished task once and ends the stream', async () => {
    const taskId = await startDemo('alice', 1, 0);
    const first = await open(`/api/background-tasks/${taskId}/events`, bearer('alice'));
    await first.done;
    const second = await open(`/api/background-tasks/${taskId}/events`, bearer('alice'));
    await second.done;
    expect(second.data<BackgroundTaskView>('task')).toEqual([
      expect.objectContaining({ id: taskId, status: 'completed' }),
    ]);
  });

  it('opens for EventSource with a stream token in the URL, and for nothing else', async () => {
    const taskId = await startDemo('alice', 2, 50);
    const { body } = await request(app.getHttpServer())
      .post('/api/stream-tokens')
      .set(bearer('alice'))
      .expect(201);
    const { streamToken, expiresAt } = body as { streamToken: string; expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(30_000);

    const stream = await open(`/api/background-tasks/${taskId}/events?streamToken=${streamToken}`);
    expect(stream.status).toBe(200);
    await stream.done;
    expect(stream.data<BackgroundTaskView>('task').at(-1)?.status).toBe('completed');

    // Not a bearer token: the rest of the API refuses it.
    await request(app.getHttpServer())
      .get(`/api/background-tasks/${taskId}?streamToken=${streamToken}`)
      .expect(401);
    await request(app.getHttpServer())
      .get(`/api/background-tasks/${taskId}/events?streamToken=x.y`)
      .expect(401);
    await request(app.getHttpServer()).get(`/api/background-tasks/${taskId}/events`).expect(401);
    // Bob's token does not open Alice's task.
    const bobs = await request(app.getHttpServer()).post('/api/stream-tokens').set(bearer('bob')).expect(201);
    await request(app.getHttpServer())
      .get(
        `/api/background-tasks/${taskId}/events?streamToken=${(bobs.body as { streamToken: string }).streamToken}`,
      )
      .expect(404);
  });

  it("answers 404 for somebody else's task and 400 for a malformed id, before any stream starts", async () => {
    const taskId = await startDemo('alice', 1, 0);
    const response = await request(app.getHttpServer())
      .get(`/api/background-tasks/${taskId}/events`)
      .set(bearer('bob'))
      .expect(404);
    expect(response.body).toMatchObject({ code: 'BACKGROUND_TASK.NOT_FOUND' });
    await request(app.getHttpServer())
      .get('/api/background-tasks/nope/events')
      .set(bearer('alice'))
      .expect(400);
  });

  it('streams the changes of the tasks a user may see to the list, new tasks included', async () => {
    const alice = await open('/api/background-tasks/events', bearer('alice'));
    const root = await open('/api/background-tasks/events?name=test.ticks', bearer('root'));
    expect(alice.status).toBe(200);
    // Alice's task runs until it is cancelled, once her list has shown it running: what the list shows
    // follows the task, however slowly the machine runs it.
    const alicesTask = await startDemo('alice', 600, 100);
    const bobsTask = await startDemo('bob', 3, 100);

    const seen = (client: SseClient, id: string, status: string) =>
      client.data<BackgroundTaskView>('task').some((v) => v.id === id && v.status === status);
    await alice.until((c) => seen(c, alicesTask, 'processing'), 30_000);
    await request(app.getHttpServer())
      .post(`/api/background-tasks/${alicesTask}/cancel`)
      .set(bearer('alice'))
      .expect((response) => expect([200, 202]).toContain(response.status));
    await alice.until((c) => seen(c, alicesTask, 'cancelled'), 30_000);
    await root.until((c) => seen(c, alicesTask, 'cancelled') && seen(c, bobsTask, 'completed'), 30_000);

    const alicesViews = alice.data<BackgroundTaskView>('task');
    expect(alicesViews.some((v) => v.id === bobsTask)).toBe(false);
    const statuses = alicesViews.filter((v) => v.id === alicesTask).map((v) => v.status);
    expect(statuses).toEqual(expect.arrayContaining(['processing', 'cancelled']));
    // An editor may not watch somebody else's list; an unknown parameter is refused.
    await request(app.getHttpServer())
      .get('/api/background-tasks/events?createdBy=bob')
      .set(bearer('alice'))
      .expect(403);
    await request(app.getHttpServer())
      .get('/api/background-tasks/events?foo=1')
      .set(bearer('alice'))
      .expect(400);
  });

  it('tells the list to reload, instead of sending each task, when a burst changes many at once', async () => {
    const root = await open('/api/background-tasks/events', bearer('root'));
    const later = new Date(Date.now() + 3_600_000);
    const metadatas = Array.from({ length: 120 }, () => ({ ms: 1 }));
    await app.get(BackgroundTaskQueue).enqueueMany(SleepTask, metadatas, { runAt: later });
    await root.until((c) => c.events.some((e) => e.type === 'resync'), 30_000);
    expect(root.events.filter((e) => e.type === 'task').length).toBeLessThan(10);
  });
});

describe.each(TEST_ENGINES)('live task updates across processes [%s]', (engine) => {
  let db: TestDatabase;
  let api: INestApplication<App>;
  let worker: INestApplication<App>;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    const env = { ADMIN_TOKENS: TEST_ADMIN_TOKENS };
    api = await createTestApp(db, { env: { ...env, APP_ROLE: 'api' } });
    worker = await createTestApp(db, { env: { ...env, APP_ROLE: 'worker' } });
    await api.listen(0, '127.0.0.1');
  });

  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await db?.dispose();
  });

  it(
    engine === 'postgres'
      ? "pushes another process's progress through LISTEN/NOTIFY"
      : "shows another process's progress by polling every second",
    async () => {
      // Paused until the stream has read the task waiting: on a busy machine the worker could otherwise
      // be past step 1 before the stream opens, and the first step would be missed for no fault of the relay.
      const queue = (action: 'pause' | 'resume') =>
        request(api.getHttpServer())
          .post(`/api/task-queues/test.ticks/${action}`)
          .set(bearer('root'))
          .expect(200);
      await queue('pause');
      const started = await request(api.getHttpServer())
        .post('/api/test-tasks')
        .set(bearer('alice'))
        // Eight steps of 800 ms, 6.4 s: on PostgreSQL the stream's backstop poll (every 5 s) sees one step
        // at most besides its first read, and each step lasts long enough for a pushed read to catch it.
        .send({ steps: 8, stepMs: 800 })
        .expect(202);
      const { taskId } = started.body as { taskId: string };
      const stream = await SseClient.open(
        `${baseUrl(api)}/api/background-tasks/${taskId}/events`,
        bearer('alice'),
      );
      try {
        await stream.until((client) => client.data<BackgroundTaskView>('task').length > 0);
        await queue('resume');
        await stream.done;
        const views = stream.data<BackgroundTaskView>('task');
        expect(views.at(-1)).toMatchObject({ status: 'completed', percentComplete: 100 });
        expect(views.filter((v) => v.status === 'processing').length).toBeGreaterThanOrEqual(2);
        if (engine === 'postgres') {
          // The relay batches for 50 ms; the backstop poll would have shown two of the eight steps at most:
          // seeing them all is the relay's doing.
          const steps = new Set(views.filter((v) => v.taskStep !== null).map((v) => v.taskStep));
          expect(steps).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8]));
          // Wake-ups, relayed changes and their sending share one side connection per process: two here.
          const [side] = await db.sql<{ n: string }>(
            'SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ?',
            [`background-tasks:${db.env.SchemaName}`],
          );
          expect(Number(side.n)).toBe(2);
        }
      } finally {
        stream.close();
      }
    },
  );
});
