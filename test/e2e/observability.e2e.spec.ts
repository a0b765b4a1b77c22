import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { App } from 'supertest/types.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';
import { JsonLogger } from '../../src/observability/logging/json-logger.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { FlakyTask, SleepTask } from '../support/test-tasks.js';

/** The value of one sample of the Prometheus text, e.g. `background_tasks_completed_total{name="x"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe.each(TEST_ENGINES)('GET /metrics and structured logs [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;
  const logLines: string[] = [];
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((stream) => stream.write.bind(stream));

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    // The application's own JSON logger, its lines collected from stdout and stderr as a log shipper would.
    streams.forEach((stream, index) => {
      stream.write = (chunk: string | Uint8Array, ...rest: never[]) => {
        const text = chunk.toString();
        if (!text.startsWith('{')) return writes[index](chunk, ...rest);
        logLines.push(...text.split('\n').filter(Boolean));
        return true;
      };
    });
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS }, logger: new JsonLogger() });
    http = new HttpClient(app);
  });

  afterAll(async () => {
    await app?.close();
    streams.forEach((stream, index) => (stream.write = writes[index]));
    await db?.dispose();
  });

  it('counts tasks by name and outcome, times runs, waits and claims, and reports the queue depth', async () => {
    const done = await http.as('alice').post('/api/test-tasks').send({ steps: 2, stepMs: 20 }).expect(202);
    const long = await http
      .as('alice')
      .post('/api/test-tasks')
      .send({ steps: 100, stepMs: 1000 })
      .expect(202);
    const queue = app.get(BackgroundTaskQueue);
    const failing = await queue.enqueue(FlakyTask, { succeedOnAttempt: 9, how: 'throw' }, { maxAttempts: 2 });
    const later = { runAt: new Date(Date.now() + 3_600_000) };
    await queue.enqueue(SleepTask, { ms: 1 }, later);
    // Neither a repeated idempotency key nor a rolled-back enqueue adds a task: neither is counted.
    await queue.enqueue(SleepTask, { ms: 1 }, { ...later, idempotencyKey: 'once' });
    await queue.enqueue(SleepTask, { ms: 1 }, { ...later, idempotencyKey: 'once' });
    await app
      .get(DataSource)
      .transaction(async (manager) => {
        await queue.enqueueMany(SleepTask, [{ ms: 1 }, { ms: 1 }], { ...later, manager });
        throw new Error('the command failed after enqueueing');
      })
      .catch(() => undefined);
    await queue.enqueueMany(SleepTask, [{ ms: 1 }, { ms: 1 }, { ms: 1 }], later);
    await eventually(
      async () =>
        (await http.as('alice').get(`/api/background-tasks/${long.body.taskId}`)).body.status ===
        'processing',
    );
    await http.as('alice').post(`/api/background-tasks/${long.body.taskId}/cancel`).expect(202);
    await http.finishedTask('alice', done.body.taskId);
    await http.finishedTask('alice', long.body.taskId);
    await eventually(
      async () => (await db.count('id = ? AND status = ?', [failing, 'failed'])) === 1,
      30_000,
    );

    const text = await eventually(async () => {
      const response = await request(app.getHttpServer()).get('/metrics').expect(200);
      const body = response.text;
      // Queue waits are read back in batches, a moment after the claims.
      return (sample(body, 'background_tasks_queue_wait_seconds_count{name="test.flaky"}') ?? 0) >= 2
        ? { body, type: response.headers['content-type'] }
        : undefined;
    });
    expect(text.type).toMatch(/^text\/plain; version=0\.0\.4/);
    const m = (series: string) => sample(text.body, series);
    expect(m('background_tasks_enqueued_total{name="test.ticks"}')).toBe(2);
    expect(m('background_tasks_enqueued_total{name="test.flaky"}')).toBe(1);
    expect(m('background_tasks_enqueued_total{name="test.sleep"}')).toBe(5);
    expect(m('background_tasks_completed_total{name="test.ticks"}')).toBe(1);
    expect(m('background_tasks_cancelled_total{name="test.ticks"}')).toBe(1);
    expect(m('background_tasks_retried_total{name="test.flaky"}')).toBe(1);
    expect(m('background_tasks_failed_total{name="test.flaky"}')).toBe(1);
    expect(m('background_tasks_run_duration_seconds_count{name="test.ticks",outcome="completed"}')).toBe(1);
    expect(m('background_tasks_run_duration_seconds_count{name="test.flaky",outcome="failed"}')).toBe(1);
    expect(m('background_tasks_queue_wait_seconds_count{name="test.ticks"}')).toBe(2);
    expect(m('background_tasks_queue_depth{status="enqueued"}')).toBe(5);
    expect(m('background_tasks_queue_depth{status="processing"}')).toBe(0);
    expect(m('background_tasks_claim_round_duration_seconds_count')).toBeGreaterThan(0);
    expect(m('background_tasks_worker_last_claim_round_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    expect(m('process_resident_memory_bytes')).toBeGreaterThan(0);
  }, 120_000); // three tasks to their end, one of them retried, on a busy machine

  it('writes JSON lines, with taskId and taskName on every line about a task', () => {
    const entries = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(entries.length).toBeGreaterThan(0);
    for (const entry of entries) {
      expect(entry).toMatchObject({
        level: expect.any(String),
        timestamp: expect.any(Number),
        message: expect.anything(),
      });
    }
    const aboutTasks = entries.filter(
      (e) => typeof e.message === 'string' && /\bTask [0-9a-f-]{36}\b/.test(e.message),
    );
    expect(aboutTasks.length).toBeGreaterThanOrEqual(4);
    for (const entry of aboutTasks) {
      expect(entry.taskId).toMatch(/^[0-9a-f-]{36}$/);
      expect(entry.taskName).toEqual(expect.any(String));
      expect(entry.message).toContain(`Task ${String(entry.taskId)} (${String(entry.taskName)})`);
    }
    const messages = aboutTasks.map((e) => `${String(e.level)} ${String(e.message)}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^log Task .* \(test\.ticks\) completed after \d+ ms \(attempt 1 of 4\)$/),
        expect.stringMatching(/^log Task .* \(test\.ticks\) was cancelled after/),
        expect.stringMatching(/^error Task .* \(test\.flaky\) failed: attempt 1 failed$/),
        expect.stringMatching(
          /^warn Task .* \(test\.flaky\) failed for good after \d+ ms \(attempt 2 of 2\)$/,
        ),
      ]),
    );
  });
});
