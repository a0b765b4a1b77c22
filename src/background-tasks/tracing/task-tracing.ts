import { Injectable } from '@nestjs/common';
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';
import { appTracer, tracingIsRegistered } from '../../shared/tracing/index.js';
import type { ClaimedTask, RunEnding } from '../model/task-records.js';
import { linkedSpanContext, storedTraceContext } from './trace-context.js';

/**
 * Span attributes. The messaging ones follow OpenTelemetry's messaging conventions, still "development"
 * there, so they are spelled out here as the conventions advise rather than imported from their unstable
 * entry point.
 */
const ATTR = {
  system: 'messaging.system',
  operation: 'messaging.operation.type',
  destination: 'messaging.destination.name',
  messageId: 'messaging.message.id',
  batchCount: 'messaging.batch.message_count',
  attempt: 'background_task.attempt',
  maxAttempts: 'background_task.max_attempts',
  outcome: 'background_task.outcome',
  leaseOwner: 'background_task.lease_owner',
  claim: 'background_task.claim',
  claimedTogether: 'background_task.claimed_together',
  settlement: 'background_task.ending.settlement',
} as const;
const SYSTEM = 'background_tasks';

/** How a worker came to hold a task: a claim round's statement, or the insert of a task it was offered. */
export type ClaimKind = 'claim-round' | 'hand-over';

/** What became of a run's ending (EndingWriter's settlement), or that there was none to write. */
export type RunSettlement = 'stored' | 'fenced' | 'given-up' | 'lease-lost';

/**
 * The spans of one run of a task, from the claim that took it to its stored ending:
 *
 *   process <name>            CONSUMER, a root linked to the enqueue's span (the task's stored context)
 *   ├─ claim <name>           the claim statement (a round's, shared by the tasks it took) or hand-over
 *   └─ store ending <name>    from the handler's end to the ending's write (endings are written in batches)
 *
 * The handler runs with `process` as its active span, so the spans it makes (its own, or an
 * instrumentation's) are children of the run. Its states: claimed (created, the claim span ended) →
 * started (the handler runs: an event) → ending (the ending span open) → ended (both ended). `end` is
 * idempotent and ends whatever is still open.
 */
export class RunSpan {
  readonly context: Context;
  private ending: Span | undefined;
  private ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly span: Span,
    private readonly name: string,
  ) {
    this.context = trace.setSpan(ROOT_CONTEXT, span);
  }

  /** The handler starts (a prefetched task waited for a slot since its claim). */
  started(): void {
    this.span.addEvent('handler started');
  }

  /** The handler is done (or the task was given back unstarted): its ending is on its way to the database. */
  endingStarted(ending: RunEnding | undefined): void {
    if (this.ended || this.ending) return;
    const outcome = ending?.kind ?? 'none';
    this.span.setAttribute(ATTR.outcome, outcome);
    if (ending && (ending.kind === 'failed' || ending.kind === 'retrying')) {
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessageOf(ending.errorJson) });
      this.span.setAttribute(ATTR_ERROR_TYPE, ending.kind);
    }
    this.ending = this.tracer.startSpan(
      `store ending ${this.name}`,
      { attributes: { [ATTR.outcome]: outcome } },
      this.context,
    );
  }

  /** The ending settled (or never will: the lease was lost); ends the ending span and the run's. */
  end(settlement: RunSettlement): void {
    if (this.ended) return;
    this.ended = true;
    if (this.ending) {
      this.ending.setAttribute(ATTR.settlement, settlement);
      if (settlement !== 'stored') this.ending.setStatus({ code: SpanStatusCode.ERROR, message: settlement });
      this.ending.end();
    }
    if (settlement !== 'stored') {
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: `ending ${settlement}` });
      this.span.setAttribute(ATTR_ERROR_TYPE, settlement);
    }
    this.span.end();
  }
}

/** The message of a stored error (`{ message }` as JSON text), for a span's status. */
function errorMessageOf(errorJson: string): string | undefined {
  try {
    const error: unknown = JSON.parse(errorJson);
    const message = (error as { message?: unknown } | null)?.message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The task module's spans (README "Traces"): a PRODUCER span per enqueue, whose context is stored with the
 * task, and a RunSpan per run, linked to it. `enabled` is decided once, when Nest builds the provider: with
 * no OpenTelemetry SDK registered, callers check it and skip every call here, so a process that does not
 * trace stores NULL and makes no span object at all.
 */
@Injectable()
export class TaskTracing {
  readonly enabled = tracingIsRegistered();
  private readonly tracer = appTracer();

  /**
   * Runs `insert` inside an `enqueue <name>` span, a child of the active context (the HTTP request's span,
   * or whatever span the caller runs in), and hands it the trace context to store with the tasks.
   */
  async inEnqueueSpan<T>(
    name: string,
    ids: readonly string[],
    insert: (traceContext: string | null) => Promise<T>,
  ): Promise<T> {
    const attributes: Attributes = {
      [ATTR.system]: SYSTEM,
      [ATTR.operation]: 'send',
      [ATTR.destination]: name,
      ...(ids.length === 1 ? { [ATTR.messageId]: ids[0] } : { [ATTR.batchCount]: ids.length }),
    };
    const span = this.tracer.startSpan(`enqueue ${name}`, { kind: SpanKind.PRODUCER, attributes });
    try {
      return await insert(storedTraceContext(trace.setSpan(context.active(), span)));
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  }

  /**
   * The spans of a run whose claim began at `claimStartedAt` and answered at `claimEndedAt`
   * (performance.now() times); `claimedTogether` tasks came with the same claim.
   */
  runSpan(
    task: ClaimedTask,
    claim: { kind: ClaimKind; startedAt: number; endedAt: number; claimedTogether: number },
  ): RunSpan {
    const linked = linkedSpanContext(task.traceContext);
    const span = this.tracer.startSpan(
      `process ${task.name}`,
      {
        kind: SpanKind.CONSUMER,
        root: true,
        startTime: claim.startedAt,
        links: linked ? [{ context: linked }] : [],
        attributes: {
          [ATTR.system]: SYSTEM,
          [ATTR.operation]: 'process',
          [ATTR.destination]: task.name,
          [ATTR.messageId]: task.id,
          [ATTR.attempt]: task.attempts,
          [ATTR.maxAttempts]: task.maxAttempts,
          [ATTR.leaseOwner]: task.leaseOwner,
        },
      },
      ROOT_CONTEXT,
    );
    const run = new RunSpan(this.tracer, span, task.name);
    this.tracer
      .startSpan(
        `claim ${task.name}`,
        {
          startTime: claim.startedAt,
          attributes: { [ATTR.claim]: claim.kind, [ATTR.claimedTogether]: claim.claimedTogether },
        },
        run.context,
      )
      .end(claim.endedAt);
    return run;
  }
}
