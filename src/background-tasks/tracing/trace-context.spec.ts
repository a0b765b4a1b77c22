import { ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import fc from 'fast-check';
import { linkedSpanContext, storedTraceContext } from './trace-context.js';

const contextOf = (spanContext: SpanContext) => trace.setSpanContext(ROOT_CONTEXT, spanContext);
const hexString = (length: number) =>
  fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`)).filter((text) => !/^0+$/.test(text));

describe('the trace context a task keeps', () => {
  it('reads back as the span context it was written from, for any valid one', () => {
    fc.assert(
      fc.property(hexString(32), hexString(16), fc.boolean(), (traceId, spanId, sampled) => {
        const traceFlags = sampled ? TraceFlags.SAMPLED : TraceFlags.NONE;
        const stored = storedTraceContext(contextOf({ traceId, spanId, traceFlags }));
        expect(JSON.parse(stored!)).toEqual({ traceparent: `00-${traceId}-${spanId}-0${traceFlags}` });
        expect(linkedSpanContext(stored)).toMatchObject({ traceId, spanId, traceFlags });
      }),
    );
  });

  it('is null for a context without a span, and names no span when it is not a trace context', () => {
    expect(storedTraceContext(ROOT_CONTEXT)).toBeNull();
    for (const text of [null, '', 'not json', '42', 'null', '[]', '{}', '{"traceparent":"00-zz-yy-01"}']) {
      expect(linkedSpanContext(text)).toBeUndefined();
    }
    const allZeros = `{"traceparent":"00-${'0'.repeat(32)}-${'0'.repeat(16)}-01"}`;
    expect(linkedSpanContext(allZeros)).toBeUndefined();
  });

  it('keeps the tracestate, cut to what fits the column', () => {
    const spanContext = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };
    const short = storedTraceContext(contextOf({ ...spanContext, traceState: new TraceState('vendor=1') }));
    expect(JSON.parse(short!)).toMatchObject({ tracestate: 'vendor=1' });
    expect(linkedSpanContext(short)?.traceState?.get('vendor')).toBe('1');
    const members = Array.from({ length: 30 }, (_, i) => `k${i}=${'v'.repeat(40)}`).join(',');
    const long = storedTraceContext(contextOf({ ...spanContext, traceState: new TraceState(members) }));
    expect(long!.length).toBeLessThanOrEqual(1000);
    const { tracestate } = JSON.parse(long!) as { tracestate: string };
    expect(members.startsWith(tracestate)).toBe(true);
    expect(tracestate.length).toBeLessThanOrEqual(512);
  });
});
