import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { TaskOverviewView } from '../../src/background-tasks/queries/get-task-overview/task-overview.view.js';
import type { RecurringTaskListView } from '../../src/background-tasks/queries/list-recurring-tasks/recurring-task.view.js';
import type { WorkerListView } from '../../src/background-tasks/queries/list-workers/worker.view.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { scheduleKeyOf } from '../../src/background-tasks/scheduling/recurring-task-scheduler.js';
import { ChildWorker } from '../support/child-worker.js';
import { ConsoleTestTasksModule, YearlyReportTask } from '../support/console-test-tasks.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { FailingTask, SleepTask, StubbornTask, stubbornTaskReturns } from '../support/test-tasks.js';

describe.each(TEST_ENGINES)('the operator console API [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;
  let queue: BackgroundTaskQueue;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, PollingDelay: '50ms' },
      imports: [ConsoleTestTasksModule],
    });
    http = new HttpClient(app);
    queue = app.get(BackgroundTaskQueue);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const overview = async () =>
    (await http.as('root').get('/api/background-tasks/overview').expect(200)).body as TaskOverviewView;
  const statusOf = async (id: string) =>
    ((await http.as('root').get(`/api/background-tasks/${id}`)).body as { status: string }).status;
  const ended = (view: TaskOverviewView, status: 'completed' | 'failed') =>
    view.endingsPerMinute.reduce((sum, minute) => sum + minute[status], 0);

  it('says who the token belongs to, and serves the icon browsers ask for', async () => {
    expect((await http.as('root').get('/api/me').expect(200)).body).toEqual({ name: 'root', role: 'admin' });
    expect((await http.as('alice').get('/api/me').expect(200)).body).toEqual({
      name: 'alice',
      role: 'editor',
    });
    await request(app.getHttpServer()).get('/api/me').expect(401);
    const icon = await request(app.getHttpServer()).get('/favicon.ico').expect(200);
    expect(icon.headers['content-type']).toMatch(/^image\/svg\+xml/);
  });

  it('counts tasks by status and name, charts the last hour of endings, and ages the oldest wait', async () => {
    const forbidden = await http.as('alice').get('/api/background-tasks/overview').expect(403);
    expect(forbidden.body).toMatchObject({ code: 'BACKGROUND_TASKS.ADMIN_ONLY' });

    const before = await overview();
    expect(before.endingsPerMinute).toHaveLength(60);
    const minutes = before.endingsPerMinute.map((minute) => Date.parse(minute.minute));
    expect(minutes.every((at, index) => index === 0 || at - minutes[index - 1] === 60_000)).toBe(true);
    expect(Date.parse(before.at) - minutes[59]).toBeLessThan(60_000);

    const done = await queue.enqueue(SleepTask, { ms: 1 });
    const failed = await queue.enqueue(FailingTask, { mode: 'outcome', message: 'no' }, { maxAttempts: 1 });
    await eventually(
      async () => (await statusOf(done)) === 'completed' && (await statusOf(failed)) === 'failed',
    );
    const after = await overview();
    expect(ended(after, 'completed') - ended(before, 'completed')).toBe(1);
    expect(ended(after, 'failed') - ended(before, 'failed')).toBe(1);
    expect(after.counts.completed - before.counts.completed).toBe(1);
    const sleeps = after.byName.find((item) => item.name === 'test.sleep');
    expect(sleeps?.counts.completed).toBeGreaterThanOrEqual(1);
    expect(after.byName.map((item) => item.name)).toEqual([...after.byName.map((item) => item.name)].sort());

    // A task due an hour ago that no worker runs (the name is paused): the oldest wait is at least an hour.
    await http.as('root').post('/api/task-queues/test.sleep/pause').expect(200);
    const waiting = await queue.enqueue(SleepTask, { ms: 1 }, { runAt: new Date(Date.now() - 3_600_000) });
    const { oldestDue } = await overview();
    expect(oldestDue).toMatchObject({ id: waiting, name: 'test.sleep' });
    expect(oldestDue!.waitingMs).toBeGreaterThanOrEqual(3_600_000);
    await http.as('root').post('/api/task-queues/test.sleep/resume').expect(200);
    await eventually(async () => (await statusOf(waiting)) === 'completed');
  });

  it('lists the recurring tasks with their next slot, and runs one now for admins only', async () => {
    await http.as('alice').get('/api/recurring-tasks').expect(403);
    await http.as('alice').post('/api/recurring-tasks/test.yearly-report/run').expect(403);
    const unknown = await http.as('root').post('/api/recurring-tasks/test.sleep/run').expect(404);
    expect(unknown.body.message).toContain('test.sleep');
    await http.as('root').post('/api/recurring-tasks/-bad/run').expect(400);

    const list = async () =>
      ((await http.as('root').get('/api/recurring-tasks').expect(200)).body as RecurringTaskListView).items;
    const [first] = (await list()).filter((item) => item.name === 'test.yearly-report');
    expect(first).toMatchObject({ cron: '0 0 1 1 *', timeZone: 'Asia/Tokyo', lastRun: null, paused: false });
    // Midnight in Tokyo on 1 January is 15:00 UTC on 31 December.
    expect(first.nextSlot).toMatch(/^\d{4}-12-31T15:00:00\.000Z$/);

    const run = await http.as('root').post('/api/recurring-tasks/test.yearly-report/run').expect(202);
    const { taskId } = run.body as { taskId: string };
    expect(run.headers.location).toBe(`/api/background-tasks/${taskId}`);
    await eventually(async () => (await statusOf(taskId)) === 'completed');
    const task = (await http.as('root').get(`/api/background-tasks/${taskId}`).expect(200)).body;
    expect(task).toMatchObject({
      createdBy: 'root',
      result: { year: 'current' },
      metadata: { year: 'current' },
    });

    await http.as('root').post('/api/task-queues/test.yearly-report/pause').expect(200);
    const [after] = (await list()).filter((item) => item.name === 'test.yearly-report');
    expect(after).toMatchObject({ paused: true, lastRun: { id: taskId, status: 'completed', slot: null } });

    // A slot's task, keyed as the scheduler keys it, is listed with its slot (it waits: the name is paused).
    const slot = new Date('2026-12-31T15:00:00.000Z');
    const slotTask = await queue.enqueue(
      YearlyReportTask,
      { year: '2027' },
      {
        idempotencyKey: scheduleKeyOf('test.yearly-report', slot),
      },
    );
    const [scheduled] = (await list()).filter((item) => item.name === 'test.yearly-report');
    expect(scheduled.lastRun).toMatchObject({ id: slotTask, status: 'enqueued', slot: slot.toISOString() });
    await http.as('root').post('/api/task-queues/test.yearly-report/resume').expect(200);
    await eventually(async () => (await statusOf(slotTask)) === 'completed');
  });

  it('lists every worker from its heartbeat; a killed one is shown as gone, then removed', async () => {
    await http.as('alice').get('/api/workers').expect(403);
    const workers = async () =>
      ((await http.as('root').get('/api/workers').expect(200)).body as WorkerListView).items;
    const ofPid = async (pid: number) => (await workers()).find((worker) => worker.pid === pid);
    // A worker's first heartbeat is written as it starts, not before its start returns.
    const listedLive = (pid: number) =>
      eventually(async () => {
        const worker = await ofPid(pid);
        return worker?.state === 'live' ? worker : undefined;
      });

    // This process's own worker (APP_ROLE all) names the task it runs, at a heartbeat after the start.
    const running = await queue.enqueue(StubbornTask, { ms: 600_000 });
    const own = await eventually(async () => {
      const worker = await ofPid(process.pid);
      return worker?.running.some((task) => task.id === running) ? worker : undefined;
    });
    expect(own).toMatchObject({
      role: 'all',
      state: 'live',
      running: [{ id: running, name: 'test.stubborn' }],
    });
    expect(own.slotsInUse).toBeGreaterThanOrEqual(1);
    stubbornTaskReturns.emit('release', running);
    await eventually(async () => (await statusOf(running)) === 'completed');

    // A worker process (APP_ROLE worker) with a 1 s lease: listed once it has started, with what it has.
    const child = await ChildWorker.start({ ...db.env, LEASE_DURATION: '1s', WORKER_CONCURRENCY: '3' });
    expect(await listedLive(child.pid)).toMatchObject({
      role: 'worker',
      concurrency: 3,
      leaseDurationMs: 1_000,
      running: [],
    });
    expect((await overview()).workers.live).toBeGreaterThanOrEqual(2);

    // Killed, it writes nothing more: gone once its lease has passed, then deleted by this process's
    // queue maintenance once ten have (it sweeps every PollingDelay).
    await child.stop('SIGKILL');
    await eventually(async () => (await ofPid(child.pid))?.state === 'gone', 30_000);
    expect((await overview()).workers.gone).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await ofPid(child.pid)) === undefined, 60_000, 200);

    // A worker that stops cleanly deletes its own row: never shown as gone.
    const stopping = await ChildWorker.start(db.env);
    await listedLive(stopping.pid);
    expect((await stopping.stop('SIGTERM')).signal).toBe('SIGTERM');
    expect(await ofPid(stopping.pid)).toBeUndefined();
  }, 120_000);
});
