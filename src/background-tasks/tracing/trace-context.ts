import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  trace,
  type Context,
  type SpanContext,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * How a task keeps the trace context of its enqueue (column `trace_context`): the W3C Trace Context
 * headers, `{"traceparent":"00-…","tracestate":"…"}`. W3C's format whatever propagator the application
 * registered for HTTP: this is the queue's own storage, read back by workers that may run another
 * configuration, and a format with a specification survives that.
 */
const w3c = new W3CTraceContextPropagator();

/**
 * The span context of `context` as stored with a task, or null when it has none (nothing is traced). It
 * fits the column (1,000 characters on SQL Server): the traceparent has 55, and the propagator cuts a
 * tracestate to 512, as the W3C specification lets it.
 */
export function storedTraceContext(context: Context): string | null {
  const carrier: Record<string, string> = {};
  w3c.inject(context, carrier, defaultTextMapSetter);
  return carrier.traceparent === undefined ? null : JSON.stringify(carrier);
}

/**
 * The span context a stored trace context names, for a run's span to link to; undefined when there is none
 * or the text is not one (a column anybody can write must not stop a run).
 */
export function linkedSpanContext(stored: string | null): SpanContext | undefined {
  if (stored === null) return undefined;
  let carrier: unknown;
  try {
    carrier = JSON.parse(stored);
  } catch {
    return undefined;
  }
  if (typeof carrier !== 'object' || carrier === null) return undefined;
  const spanContext = trace.getSpanContext(w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter));
  return spanContext && isSpanContextValid(spanContext) ? spanContext : undefined;
}
