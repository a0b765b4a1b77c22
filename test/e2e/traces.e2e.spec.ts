import { Module, type INestApplication } from '@nestjs/common';
import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { randomBytes } from 'node:crypto';
import type { App } from 'supertest/types.js';
import {
  BackgroundTask,
  BackgroundTaskQueue,
  BackgroundTasksModule,
  TaskOutcome,
  type BackgroundTaskExecutor,
} from '../../src/background-tasks/index.js';
import { TaskTracing } from '../../src/background-tasks/tracing/task-tracing.js';
import { startTracing, stopTracing } from '../../src/observability/index.js';
import { FailingTask } from '../support/test-tasks.js';
import { TicksTask } from '../support/test-tasks-http.js';
import { appPerSuite } from '../support/app-per-suite.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

/** A handler that makes a span of its own: it must be a child of the run's span. */
@BackgroundTask('test.traced-handler')
class TracedHandlerTask implements BackgroundTaskExecutor<{ label: string }, void, { traced: true }> {
  execute() {
    trace.getTracer('test').startActiveSpan('work inside the handler', (span) => span.end());
    return Promise.resolve(TaskOutcome.success({ traced: true as const }));
  }
}

@Module({ imports: [BackgroundTasksModule], providers: [TracedHandlerTask] })
class TracedHandlerModule {}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/** The trace context a task's row keeps. */
async function storedContext(db: TestDatabase, taskId: string): Promise<string | null> {
  const [row] = await db.sql<{ trace_context: string | null }>(
    `SELECT trace_context FROM ${db.table('background_tasks')} WHERE id = ?`,
    [taskId],
  );
  return row.trace_context;
}

/**
 * Traces from request to run (README "Traces"), with the SDK started as main.ts starts it, and the SDK's
 * in-memory exporter behind it: the request's span continues the caller's trace, the enqueue is its child,
 * the task keeps the enqueue's context in its row, and the run, claimed from that row, is a span linked to
 * it, with the claim, the handler's own spans and the ending's write as its children.
 */
describe.each(TEST_ENGINES)('traces from request to run [%s]', (engine) => {
  const exporter = new InMemorySpanExporter();
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;

  beforeAll(async () => {
    startTracing({ exporters: [], serviceName: 'traces-test' }, [new SimpleSpanProcessor(exporter)]);
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, PollingDelay: '50ms' },
      imports: [TracedHandlerModule],
    });
    http = new HttpClient(app);
  });

  afterAll(async () => {
    await app?.close();
    await stopTracing();
    await db?.dispose();
  });

  beforeEach(() => exporter.reset());

  const spans = () => exporter.getFinishedSpans();
  const spanNamed = (name: string, where: (span: ReadableSpan) => boolean = () => true) =>
    spans().find((span) => span.name === name && where(span));
  /** The span of the task's run: it ends once the ending is stored, a moment after the task reads ended. */
  const runSpanOf = (taskId: string) =>
    eventually(
      () =>
        Promise.resolve(
          spans().find(
            (span) => span.name.startsWith('process ') && span.attributes['messaging.message.id'] === taskId,
          ),
        ),
      30_000,
      20,
    );
  const childrenOf = (parent: ReadableSpan) =>
    spans().filter((span) => span.parentSpanContext?.spanId === parent.spanContext().spanId);

  it('links the run of a task to the request that enqueued it, across the stored row', async () => {
    const traceId = hex(16);
    const callerSpanId = hex(8);
    const accepted = await http
      .as('alice')
      .post('/api/test-tasks')
      .set('traceparent', `00-${traceId}-${callerSpanId}-01`)
      .send({ steps: 2, stepMs: 0 })
      .expect(202);
    const taskId = accepted.body.taskId as string;
    expect((await http.finishedTask('alice', taskId)).status).toBe('completed');
    const run = await runSpanOf(taskId);

    // The request's span continues the caller's trace; the enqueue is its child.
    const request = spanNamed('POST /api/test-tasks', (span) => span.spanContext().traceId === traceId)!;
    expect(request).toBeDefined();
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.parentSpanContext?.spanId).toBe(callerSpanId);
    expect(request.attributes['http.route']).toBe('/api/test-tasks');
    expect(request.attributes['http.response.status_code']).toBe(202);
    const enqueue = spanNamed('enqueue test.ticks', (span) => span.spanContext().traceId === traceId)!;
    expect(enqueue.kind).toBe(SpanKind.PRODUCER);
    expect(enqueue.parentSpanContext?.spanId).toBe(request.spanContext().spanId);
    expect(enqueue.attributes['messaging.message.id']).toBe(taskId);

    // The row keeps the enqueue's context, in W3C form.
    const stored = JSON.parse((await storedContext(db, taskId))!) as { traceparent: string };
    expect(stored.traceparent).toBe(`00-${traceId}-${enqueue.spanContext().spanId}-01`);

    // The run is a trace of its own, linked to the enqueue.
    expect(run.kind).toBe(SpanKind.CONSUMER);
    expect(run.parentSpanContext).toBeUndefined();
    expect(run.spanContext().traceId).not.toBe(traceId);
    expect(run.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId, spanId: enqueue.spanContext().spanId }),
    ]);
    expect(run.attributes).toMatchObject({
      'messaging.destination.name': 'test.ticks',
      'background_task.attempt': 1,
      'background_task.outcome': 'completed',
    });
    expect(run.status.code).toBe(SpanStatusCode.UNSET);
    const children = childrenOf(run);
    expect(children.map((span) => span.name).sort()).toEqual(['claim test.ticks', 'store ending test.ticks']);
    const ending = children.find((span) => span.name.startsWith('store ending'))!;
    expect(ending.attributes['background_task.ending.settlement']).toBe('stored');
  });

  it('runs the handler inside the run span, so that its own spans are the run’s children', async () => {
    const queue = app.get(BackgroundTaskQueue);
    const taskId = await queue.enqueue(TracedHandlerTask, { label: 'x' }, { createdBy: 'alice' });
    await http.finishedTask('alice', taskId);
    const run = await runSpanOf(taskId);
    expect(childrenOf(run).map((span) => span.name)).toContain('work inside the handler');
  });

  it('gives every task of a batch the batch’s enqueue, and claims them with a claim round', async () => {
    const queue = app.get(BackgroundTaskQueue);
    const ids = await trace.getTracer('test').startActiveSpan('import of three', async (span) => {
      try {
        return await queue.enqueueMany(
          TicksTask,
          [1, 2, 3].map(() => ({ steps: 1, stepMs: 0 })),
          {
            createdBy: 'alice',
          },
        );
      } finally {
        span.end();
      }
    });
    const runs = await Promise.all(ids.map((id) => runSpanOf(id)));
    const batch = spanNamed(
      'enqueue test.ticks',
      (span) => span.attributes['messaging.batch.message_count'] === 3,
    )!;
    expect(batch.parentSpanContext?.spanId).toBe(spanNamed('import of three')!.spanContext().spanId);
    for (const run of runs) {
      expect(run.links[0].context.spanId).toBe(batch.spanContext().spanId);
      const claim = childrenOf(run).find((span) => span.name === 'claim test.ticks')!;
      expect(claim.attributes['background_task.claim']).toBe('claim-round'); // a batch is never handed over
    }
  });

  it('marks a failed run as an error, with the error’s message', async () => {
    const queue = app.get(BackgroundTaskQueue);
    const taskId = await queue.enqueue(
      FailingTask,
      { mode: 'throw', message: 'the outside service said no' },
      { createdBy: 'alice', maxAttempts: 1 },
    );
    expect((await http.finishedTask('alice', taskId)).status).toBe('failed');
    const run = await runSpanOf(taskId);
    expect(run.status).toEqual({ code: SpanStatusCode.ERROR, message: 'the outside service said no' });
    expect(run.attributes['background_task.outcome']).toBe('failed');
  });

  it('runs a task whose stored context is not one, without a link', async () => {
    const queue = app.get(BackgroundTaskQueue);
    const [taskId] = await queue.enqueueMany(TicksTask, [{ steps: 1, stepMs: 0 }], {
      createdBy: 'alice',
      runAt: new Date(Date.now() + 60_000),
    });
    await db.sql(
      `UPDATE ${db.table('background_tasks')} SET trace_context = ?, run_after = created_at WHERE id = ?`,
      ['{"traceparent":"not a trace"}', taskId],
    );
    expect((await http.finishedTask('alice', taskId)).status).toBe('completed');
    expect((await runSpanOf(taskId)).links).toEqual([]);
  });
});

describe.each(TEST_ENGINES)('with tracing off [%s]', (engine) => {
  const suite = appPerSuite(engine, { env: { PollingDelay: '50ms' } });

  it('makes no span and stores no trace context, even for a request that carries one', async () => {
    expect(suite.app.get(TaskTracing).enabled).toBe(false);
    const accepted = await suite.http
      .as('alice')
      .post('/api/test-tasks')
      .set('traceparent', `00-${hex(16)}-${hex(8)}-01`)
      .send({ steps: 1, stepMs: 0 })
      .expect(202);
    const taskId = accepted.body.taskId as string;
    expect((await suite.http.finishedTask('alice', taskId)).status).toBe('completed');
    expect(await storedContext(suite.db, taskId)).toBeNull();
  });
});
