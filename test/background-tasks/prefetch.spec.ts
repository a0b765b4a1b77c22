import { setTimeout } from 'node:timers/promises';
import type { INestApplication } from '@nestjs/common';
import { TaskStore } from '../../src/background-tasks/storage/task-store.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { createRunsTableSql, RecordRunTask, RUNS_TABLE, SleepTask } from '../support/test-tasks.js';

/**
 * WORKER_PREFETCH: a worker claims tasks ahead of its free slots. Prefetched tasks are claimed (status
 * `processing`, leased), so the promises about them are the same as for running ones, plus one: a task
 * that waits too long for a slot goes back to the queue for another worker.
 */
describe.each(TEST_ENGINES)('prefetching worker [%s]', (engine) => {
  let db: TestDatabase;
  const apps: INestApplication[] = [];

  beforeEach(async () => {
    db = await TestDatabase.create(engine);
    await db.sql(createRunsTableSql(engine, db.table(RUNS_TABLE)));
  });

  afterEach(async () => {
    await Promise.all(apps.splice(0).map((app) => app.close()));
    await db?.dispose();
  });

  async function start(env: Record<string, string>): Promise<INestApplication> {
    const app = await createTestApp(db, {
      env: { PollingDelay: '100ms', LEASE_DURATION: '3s', ADMIN_TOKENS: TEST_ADMIN_TOKENS, ...env },
    });
    apps.push(app);
    return app;
  }

  /**
   * One slot held by a long task (a minute, stopped at its signal when the worker closes), three short tasks
   * claimed behind it. Their claims are seen where they are made: with the default hold (1 s) the table
   * shows them `processing` for a moment only, which a busy machine may let a poll miss.
   */
  async function busyWorkerWithPrefetchedTasks(env: Record<string, string> = {}) {
    const worker = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1', WORKER_PREFETCH: '5', ...env });
    const store = worker.get(TaskStore);
    const claim = store.claim.bind(store);
    const claimed = new Set<string>();
    store.claim = async (request) => {
      const tasks = await claim(request);
      for (const task of tasks) claimed.add(task.id);
      return tasks;
    };
    const queue = worker.get(BackgroundTaskQueue);
    const long = await queue.enqueue(SleepTask, { ms: 60_000 }, { priority: 10 });
    await eventually(async () => (await store.findById(long))?.status === 'processing', 30_000);
    const short = await queue.enqueueMany(RecordRunTask, [{}, {}, {}]);
    await eventually(() => short.every((id) => claimed.has(id)), 30_000);
    return { worker, long, short };
  }

  it('gives a prefetched task that waits for a busy slot back to the queue, where another worker runs it', async () => {
    const { long, short } = await busyWorkerWithPrefetchedTasks();

    // After the hold time (1 s) and a heartbeat, the three go back, their claim's attempt given back.
    await eventually(async () => (await db.count("status = 'enqueued' AND attempts = 0")) === 3, 30_000);
    expect(await db.count("status = 'processing'")).toBe(1);

    await start({ APP_ROLE: 'worker', WORKER_CONCURRENCY: '4' });
    await eventually(async () => (await db.count("status = 'completed'")) === 3, 30_000);
    const [longTask] = await db.sql<{ status: string }>(
      `SELECT status FROM ${db.table('background_tasks')} WHERE id = ?`,
      [long],
    );
    expect(longTask.status).toBe('processing'); // still running in the first worker
    const runs = await db.sql(`SELECT task_id FROM ${db.table(RUNS_TABLE)}`);
    expect(runs).toHaveLength(short.length); // each ran once
    expect(await db.count("attempts = 1 AND status = 'completed'")).toBe(3);
  });

  it('puts prefetched tasks back on shutdown and cancels one whose cancellation was requested while it waited', async () => {
    // Held for a minute: the cancellation certainly reaches the task while it waits in the buffer.
    const { worker, short } = await busyWorkerWithPrefetchedTasks({ WORKER_PREFETCH_HOLD: '60s' });
    await new HttpClient(worker).as('root').post(`/api/background-tasks/${short[0]}/cancel`).expect(202); // requested: the task is claimed
    await eventually(async () => (await db.count("status = 'cancelled'")) === 1, 30_000);

    await worker.close();
    apps.splice(apps.indexOf(worker), 1);
    expect(await db.count("status = 'processing'")).toBe(0);
    expect(await db.count("status = 'enqueued' AND attempts = 0")).toBe(3); // the long one and two short ones
  });

  it('claims no more while its endings fall behind than its slots and prefetch can hold', async () => {
    const worker = await start({
      APP_ROLE: 'all',
      WORKER_CONCURRENCY: '2',
      WORKER_PREFETCH: '3',
      BatchSize: '10',
      // No prefetched task goes back to the queue unstarted however slow the machine: every lease counted
      // at its claim is given up through an ending, where it is counted off.
      WORKER_PREFETCH_HOLD: '60s',
    });
    const store = worker.get(TaskStore);
    const claim = store.claim.bind(store);
    const storeEndings = store.finish.bind(store);
    // Leases held at any moment, counted where they are taken and given up (sampling the table could miss
    // a peak).
    let leased = 0;
    let mostLeased = 0;
    store.claim = async (request) => {
      const claimed = await claim(request);
      leased += claimed.length;
      mostLeased = Math.max(mostLeased, leased);
      return claimed;
    };
    // Every batch of endings takes 300 ms to store (a slow or busy database), while the tasks take none.
    store.finish = async (runs) => {
      await setTimeout(300);
      const held = await storeEndings(runs);
      leased -= held.size;
      return held;
    };
    await worker.get(BackgroundTaskQueue).enqueueMany(
      SleepTask,
      Array.from({ length: 40 }, () => ({ ms: 0 })),
    );

    await eventually(async () => (await db.count("status = 'completed'")) === 40, 60_000);
    expect(mostLeased).toBeGreaterThan(0);
    expect(mostLeased).toBeLessThanOrEqual(5);
  });

  it('starts a task that arrived while every slot was busy as soon as one frees up, not at the next poll', async () => {
    const worker = await start({ APP_ROLE: 'all', WORKER_CONCURRENCY: '1', PollingDelay: '60s' });
    const queue = worker.get(BackgroundTaskQueue);
    const store = worker.get(TaskStore);
    const busy = await queue.enqueue(SleepTask, { ms: 30_000 });
    await eventually(async () => (await db.count("status = 'processing'")) === 1, 30_000);
    const waiting = await queue.enqueue(SleepTask, { ms: 1 }); // wakes the worker, which has no room
    await store.requestCancellation(busy); // the slot frees up when the busy task stops

    // Well before the next poll, a minute away: the freed slot claimed it.
    await eventually(async () => (await store.findById(waiting))?.status === 'completed', 30_000);
  });
});
