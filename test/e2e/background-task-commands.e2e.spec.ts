import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import type { BackgroundTaskView } from '../../src/background-tasks/queries/background-task.view.js';
import type { BackgroundTaskPage } from '../../src/background-tasks/queries/list-background-tasks/list-background-tasks.query.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { ApprovalTask, FlakyTask, SleepTask } from '../support/test-tasks.js';

const TOKENS = {
  admin: 'admin-token-0123456789',
  alice: 'alice-token-0123456789',
  bob: 'bob-token-012345678901',
};

describe.each(TEST_ENGINES)('background task commands and listing over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let queue: BackgroundTaskQueue;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: {
        ADMIN_TOKENS: `root:${TOKENS.admin}:admin,alice:${TOKENS.alice},bob:${TOKENS.bob}`,
        SchedulerRetryDelays: '50ms',
        PollingDelay: '50ms',
      },
    });
    queue = app.get(BackgroundTaskQueue);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const as = (user: keyof typeof TOKENS) => ({ Authorization: `Bearer ${TOKENS[user]}` });
  const http = () => request(app.getHttpServer());
  const get = async (id: string) =>
    (await http().get(`/api/background-tasks/${id}`).set(as('admin'))).body as BackgroundTaskView;
  const whenStatus = (id: string, status: string) =>
    eventually(async () => {
      const task = await get(id);
      return task.status === status ? task : undefined;
    }, 30_000);

  describe('cancel', () => {
    it('cancels an enqueued task at once (200) and refuses a finished one (409)', async () => {
      const id = await queue.enqueue(
        SleepTask,
        { ms: 1 },
        { createdBy: 'alice', runAt: new Date(Date.now() + 3_600_000) },
      );
      const cancelled = await http().post(`/api/background-tasks/${id}/cancel`).set(as('alice')).expect(200);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', error: { message: 'Cancelled by alice' } });
      const again = await http().post(`/api/background-tasks/${id}/cancel`).set(as('alice')).expect(409);
      expect(again.body).toMatchObject({ code: 'BACKGROUND_TASK.WRONG_STATE' });
      expect(again.body.message).toMatch(
        /is cancelled; only enqueued or suspended or processing tasks can be cancelled/,
      );
    });

    it('stops a running task (202, then cancelled by its signal)', async () => {
      const id = await queue.enqueue(SleepTask, { ms: 30_000 }, { createdBy: 'alice' });
      await whenStatus(id, 'processing');
      const requested = await http().post(`/api/background-tasks/${id}/cancel`).set(as('admin')).expect(202);
      expect(requested.body.status).toBe('processing');
      const started = Date.now();
      const task = await whenStatus(id, 'cancelled');
      expect(task).toMatchObject({ attempts: 1, result: null, error: { code: 'CANCELLED' } });
      // Stopped by its signal (a heartbeat reads the request), not after the 30 s it would have slept.
      expect(Date.now() - started).toBeLessThan(15_000);
    });

    it('hides other users’ tasks (404) and rejects a malformed id (400)', async () => {
      const id = await queue.enqueue(
        SleepTask,
        { ms: 1 },
        { createdBy: 'alice', runAt: new Date(Date.now() + 3_600_000) },
      );
      await http().post(`/api/background-tasks/${id}/cancel`).set(as('bob')).expect(404);
      await http().post('/api/background-tasks/nope/cancel').set(as('bob')).expect(400);
      expect((await get(id)).status).toBe('enqueued');
    });
  });

  describe('resume', () => {
    it('resumes a suspended task with a validated patch of its execution metadata', async () => {
      const id = await queue.enqueue(ApprovalTask, {}, { createdBy: 'alice' });
      await whenStatus(id, 'suspended');

      const invalid = await http()
        .post(`/api/background-tasks/${id}/resume`)
        .set(as('alice'))
        .send({ executionMetadata: { approvedBy: 42, sneaky: true } })
        .expect(400);
      expect(invalid.body.code).toBe('BACKGROUND_TASK.INVALID_EXECUTION_METADATA');
      expect(invalid.body.message).toMatch(/approvedBy must be a string/);
      expect(invalid.body.message).toMatch(/property sneaky should not exist/);
      await http()
        .post(`/api/background-tasks/${id}/resume`)
        .set(as('alice'))
        .send({ executionMetadata: 'x' })
        .expect(400);
      // PostgreSQL would refuse a lone surrogate with a 500, SQLite would store U+FFFD instead.
      const unstorable = await http()
        .post(`/api/background-tasks/${id}/resume`)
        .set(as('alice'))
        .send({ executionMetadata: { approvedBy: 'ali\ud800ce' } })
        .expect(400);
      expect(unstorable.body.message).toMatch(
        /executionMetadata\.approvedBy must be well-formed text: no NUL character/,
      );
      expect(await get(id)).toMatchObject({ status: 'suspended' });

      const resumed = await http()
        .post(`/api/background-tasks/${id}/resume`)
        .set(as('alice'))
        .send({ executionMetadata: { approvedBy: 'alice' } })
        .expect(200);
      expect(['enqueued', 'processing', 'completed']).toContain(resumed.body.status);
      await whenStatus(id, 'completed');
      expect((await get(id)).result).toEqual({ approvedBy: 'alice' });
    });

    it('answers 409 for a task that is not suspended', async () => {
      const id = await queue.enqueue(SleepTask, { ms: 1 }, { runAt: new Date(Date.now() + 3_600_000) });
      const response = await http()
        .post(`/api/background-tasks/${id}/resume`)
        .set(as('admin'))
        .send({})
        .expect(409);
      expect(response.body.message).toMatch(/is enqueued; only suspended tasks can be resumed/);
    });
  });

  describe('retry', () => {
    it('re-enqueues a failed task, and refuses a task that did not fail', async () => {
      const id = await queue.enqueue(FlakyTask, { succeedOnAttempt: 2, how: 'throw' }, { maxAttempts: 1 });
      await whenStatus(id, 'failed');
      const retried = await http().post(`/api/background-tasks/${id}/retry`).set(as('admin')).expect(200);
      expect(retried.body.maxAttempts).toBe(2);
      await whenStatus(id, 'completed');
      await http().post(`/api/background-tasks/${id}/retry`).set(as('admin')).expect(409);
    });
  });

  describe('listing', () => {
    let bobsTasks: string[];

    beforeAll(async () => {
      bobsTasks = [];
      for (let i = 0; i < 5; i++) {
        bobsTasks.push(
          await queue.enqueue(
            SleepTask,
            { ms: 1 },
            { createdBy: 'bob', runAt: new Date(Date.now() + 3_600_000) },
          ),
        );
      }
    });

    const list = async (user: keyof typeof TOKENS, query: string) => {
      const response = await http().get(`/api/background-tasks?${query}`).set(as(user)).expect(200);
      return response.body as BackgroundTaskPage;
    };
    const ids = (page: BackgroundTaskPage) => page.items.map((task) => task.id);

    it('pages through a user’s own tasks newest first with a cursor', async () => {
      const first = await list('bob', 'limit=2');
      const second = await list('bob', `limit=2&cursor=${first.nextCursor}`);
      const third = await list('bob', `limit=2&cursor=${second.nextCursor}`);
      expect([ids(first), ids(second), ids(third)]).toEqual([
        [bobsTasks[4], bobsTasks[3]],
        [bobsTasks[2], bobsTasks[1]],
        [bobsTasks[0]],
      ]);
      expect(third.nextCursor).toBeNull();
    });

    it('filters by status and name, and lets only admins filter by creator', async () => {
      const mine = await list('bob', 'status=enqueued&name=test.sleep&limit=100');
      expect(mine.items).toHaveLength(5);
      expect(mine.items.every((task) => task.createdBy === 'bob')).toBe(true);
      expect((await list('admin', 'createdBy=bob&limit=100')).items).toHaveLength(5);
      const forbidden = await http().get('/api/background-tasks?createdBy=alice').set(as('bob')).expect(403);
      expect(forbidden.body.message).toMatch(/Only admins/);
    });

    it.each([
      ['status=done', /status must be one of the following values/],
      ['limit=0', /limit must not be less than 1/],
      ['limit=many', /limit must be an integer/],
      ['cursor=not-a-cursor', /cursor is not valid/],
      ['colour=red', /property colour should not exist/],
    ])('rejects ?%s with a 400 naming the problem', async (query, message) => {
      const response = await http().get(`/api/background-tasks?${query}`).set(as('admin')).expect(400);
      expect(JSON.stringify(response.body.message)).toMatch(message);
    });
  });
});
