import type { INestApplication, LoggerService } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { TaskQueueListView } from '../../src/background-tasks/queries/list-task-queues/task-queue.view.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { RecordRunTask, StubbornTask, stubbornTaskReturns } from '../support/test-tasks.js';

/** Collects the warnings the application logs, to find the lifecycle log's line about a pause. */
class CollectingLogger implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  debug(): void {}
  verbose(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

describe.each(TEST_ENGINES)('pausing a task name over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;
  let queue: BackgroundTaskQueue;
  const logger = new CollectingLogger();

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, PollingDelay: '50ms' }, logger });
    http = new HttpClient(app);
    queue = app.get(BackgroundTaskQueue);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const statusOf = async (id: string) =>
    ((await http.as('root').get(`/api/background-tasks/${id}`)).body as { status: string }).status;
  const queues = async () =>
    (await http.as('root').get('/api/task-queues').expect(200)).body as TaskQueueListView;

  it('is for admins only, names a bad or unknown name, and lists the limits tasks declare', async () => {
    const forbidden = await http.as('alice').get('/api/task-queues').expect(403);
    expect(forbidden.body).toMatchObject({ code: 'TASK_QUEUE.ADMIN_ONLY' });
    await http.as('alice').post('/api/task-queues/test.sleep/pause').expect(403);
    const unknown = await http.as('root').post('/api/task-queues/no.such-task/pause').expect(404);
    expect(unknown.body.message).toContain('no.such-task');
    const bad = await http.as('root').post('/api/task-queues/-bad/pause').expect(400);
    expect(bad.body.message).toMatch(/name must be a task name/);
    await request(app.getHttpServer()).get('/api/task-queues').expect(401);

    const { items } = await queues();
    expect(items.find((item) => item.name === 'cms.import-content-items')).toMatchObject({
      limits: { concurrencyPerKey: 1, fairness: 'fifo' },
      paused: false,
      registered: true,
    });
    expect(items.find((item) => item.name === 'test.sleep')).toMatchObject({ limits: null, paused: false });
  });

  it('stops claims of the name at once; a running task finishes, enqueues succeed, other names run', async () => {
    // Runs until this test releases it: it is surely still running when the pause commits.
    const running = await queue.enqueue(StubbornTask, { ms: 600_000 });
    await eventually(async () => (await statusOf(running)) === 'processing');

    const paused = await http.as('root').post('/api/task-queues/test.stubborn/pause').expect(200);
    expect(paused.body).toMatchObject({ name: 'test.stubborn', paused: true, pausedBy: 'root' });
    const waiting = await queue.enqueue(StubbornTask, { ms: 1 });
    // A task of another name enqueued after it runs to its end: claim rounds went by without taking it.
    const other = await queue.enqueue(RecordRunTask, {}, { priority: -1 });
    await http.finishedTask('root', other);
    stubbornTaskReturns.emit('release', running);
    await http.finishedTask('root', running); // the one that was running finished normally
    expect(await statusOf(waiting)).toBe('enqueued');

    const listed = (await queues()).items.find((item) => item.name === 'test.stubborn')!;
    expect(listed).toMatchObject({ paused: true, pausedBy: 'root', counts: { enqueued: 1, completed: 1 } });
    const metrics = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    expect(metrics).toContain('background_tasks_queue_paused{name="test.stubborn"} 1');
    expect(metrics).toContain(
      'background_tasks_queue_pause_changes_total{name="test.stubborn",change="paused"} 1',
    );
    expect(logger.warnings).toContain('Task name test.stubborn paused: no worker claims its tasks (by root)');

    const resumed = await http.as('root').post('/api/task-queues/test.stubborn/resume').expect(200);
    expect(resumed.body).toMatchObject({ paused: false, pausedAt: null, pausedBy: null });
    expect(await http.finishedTask('root', waiting)).toMatchObject({ status: 'completed' });
    expect(logger.warnings).toContain('Task name test.stubborn resumed (by root)');
  });
});
