import type { INestApplication } from '@nestjs/common';
import { existsSync } from 'node:fs';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { BULK_BATCH_SIZE, BulkOperationTask } from '../../src/background-tasks/bulk/bulk-operation.task.js';
import { TaskFiles } from '../../src/background-tasks/files/task-files.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { storedTasks } from '../support/task-rows.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

/**
 * POST /api/background-tasks/bulk end to end: the request, the bulk task a worker runs, and the rows it
 * changes. The target tasks have names no worker of this app runs, so that only the operation changes them.
 */
describe.each(TEST_ENGINES)('bulk operations over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;
  let store: TaskStore;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, PollingDelay: '50ms' } });
    http = new HttpClient(app);
    store = app.get(TaskStore);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const bulk = (body: object) => http.as('root').post('/api/background-tasks/bulk').send(body);
  const statuses = async (ids: readonly string[]) =>
    (await store.findViews(ids)).map((task) => task.status).sort();
  /** Starts an operation and waits for its task to end; returns the task's view. */
  const run = async (body: object) => {
    const started = await bulk(body).expect(202);
    expect(started.headers.location).toBe(`/api/background-tasks/${started.body.taskId}`);
    return http.finishedTask('root', started.body.taskId as string);
  };

  it('is for admins, and names what is wrong with a request', async () => {
    await request(app.getHttpServer())
      .post('/api/background-tasks/bulk')
      .send({ action: 'retry' })
      .expect(401);
    const forbidden = await http.as('alice').post('/api/background-tasks/bulk').send({ action: 'retry' });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.code).toBe('BACKGROUND_TASKS.ADMIN_ONLY');
    const cases: [object, RegExp][] = [
      [{ action: 'archive' }, /action must be one of the following values: retry, cancel, delete/],
      [{ action: 'retry', name: '-bad' }, /name must be a task name/],
      [{ action: 'delete' }, /finishedBefore must be an ISO 8601 date-time/],
      [{ action: 'delete', finishedBefore: 'yesterday' }, /finishedBefore must be an ISO 8601 date-time/],
      [
        { action: 'retry', finishedBefore: '2026-01-01T00:00:00Z' },
        /finishedBefore applies to a bulk delete only/,
      ],
      [{ action: 'retry', dryRun: 'yes' }, /dryRun must be a boolean/],
      [{ action: 'retry', status: 'failed' }, /property status should not exist/],
    ];
    for (const [body, message] of cases) {
      const response = await bulk(body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(String(response.body.message)).toMatch(message);
    }
  });

  it('retries every failed task of a name, batch by batch, and leaves other names and states alone', async () => {
    const name = `test.bulk-retry.${engine}`;
    const failed = await storedTasks(store, name, BULK_BATCH_SIZE * 2 + 34, 'failed');
    const completed = await storedTasks(store, name, 3, 'completed');
    const otherName = await storedTasks(store, `${name}.other`, 5, 'failed');

    const dryRun = await bulk({ action: 'retry', name, dryRun: true }).expect(200);
    expect(dryRun.body).toEqual({ action: 'retry', name, matching: failed.length });
    expect(await statuses(failed.slice(0, 3))).toEqual(['failed', 'failed', 'failed']); // a dry run changes nothing

    const task = await run({ action: 'retry', name });
    expect(task).toMatchObject({
      name: 'background-tasks.bulk',
      status: 'completed',
      percentComplete: 100,
      statusInfo: `Retried ${failed.length.toLocaleString('en')} of ${failed.length.toLocaleString('en')} task(s)`,
      result: { action: 'retry', name, matched: failed.length, changed: failed.length },
    });
    expect((await bulk({ action: 'retry', name, dryRun: true }).expect(200)).body.matching).toBe(0);
    const views = await store.findViews(failed.slice(0, 500));
    expect(new Set(views.map((view) => view.status))).toEqual(new Set(['enqueued']));
    expect(await statuses(completed)).toEqual(['completed', 'completed', 'completed']);
    expect(new Set(await statuses(otherName))).toEqual(new Set(['failed']));
  });

  it('retries each task once when two operations run at once, and again finds nothing to do', async () => {
    const name = `test.bulk-twice.${engine}`;
    const failed = await storedTasks(store, name, BULK_BATCH_SIZE + 100, 'failed');
    const [first, second] = await Promise.all([
      run({ action: 'retry', name }),
      run({ action: 'retry', name }),
    ]);
    const changed = [first, second].map((task) => (task.result as { changed: number }).changed);
    expect(changed[0] + changed[1]).toBe(failed.length);
    const budgets = new Set((await store.findViews(failed.slice(0, 500))).map((view) => view.maxAttempts));
    expect(budgets).toEqual(new Set([2])); // one fresh budget each: never retried twice
    expect((await run({ action: 'retry', name })).result).toMatchObject({ matched: 0, changed: 0 });
  });

  it('goes on after its last checkpoint when a run is interrupted', async () => {
    const name = `test.bulk-resume.${engine}`;
    const failed = await storedTasks(store, name, 10, 'failed');
    // As a run that checkpointed after its first four tasks and then died would have left it.
    const checkpoint = {
      before: new Date(Date.now() + 60_000).toISOString(),
      total: 10,
      done: 4,
      after: failed[3],
    };
    const id = await app
      .get(BackgroundTaskQueue)
      .enqueue(
        BulkOperationTask,
        { action: 'retry', name, finishedBefore: null, requestedBy: 'root' },
        { executionMetadata: checkpoint, createdBy: 'root' },
      );
    const task = await http.finishedTask('root', id);
    expect(task).toMatchObject({ status: 'completed', result: { matched: 10, changed: 10 } });
    expect(await statuses(failed.slice(0, 4))).toEqual(['failed', 'failed', 'failed', 'failed']);
    expect(new Set(await statuses(failed.slice(4)))).toEqual(new Set(['enqueued']));
  });

  it('cancels the waiting tasks of a name, saying who cancelled them', async () => {
    const name = `test.bulk-cancel.${engine}`;
    const waiting = await storedTasks(store, name, 7);
    const task = await run({ action: 'cancel', name });
    expect(task.result).toEqual({ action: 'cancel', name, matched: 7, changed: 7 });
    const [view] = await store.findViews([waiting[0]]);
    expect(view).toMatchObject({
      status: 'cancelled',
      error: { code: 'CANCELLED', message: `Cancelled by root (bulk operation ${String(task.id)})` },
    });
  });

  it('deletes the tasks that finished before a time, with their files, and keeps the newer ones', async () => {
    const name = `test.bulk-delete.${engine}`;
    const old = await storedTasks(store, name, 6, 'completed');
    const recent = await storedTasks(store, name, 2, 'failed');
    await db.sql(
      `UPDATE ${db.table('background_tasks')} SET completed_at = ? WHERE name = ? AND status = ?`,
      [
        engine === 'sqlite' ? '2020-06-01T00:00:00.000Z' : new Date('2020-06-01T00:00:00.000Z'),
        name,
        'completed',
      ],
    );
    const files = app.get(TaskFiles);
    const directory = await files.ensureDirectory(old[0]);
    const dryRun = await bulk({
      action: 'delete',
      name,
      finishedBefore: '2021-01-01T00:00:00Z',
      dryRun: true,
    });
    expect(dryRun.body).toEqual({ action: 'delete', name, matching: 6 });
    const task = await run({ action: 'delete', name, finishedBefore: '2021-01-01T00:00:00Z' });
    expect(task.result).toEqual({ action: 'delete', name, matched: 6, changed: 6 });
    expect(await store.findViews(old)).toEqual([]);
    expect(existsSync(directory)).toBe(false);
    expect(await statuses(recent)).toEqual(['failed', 'failed']);
  });
});
