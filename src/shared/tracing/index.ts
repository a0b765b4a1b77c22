import { ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';

/**
 * Tracing, as every module sees it: the OpenTelemetry API, which does nothing until an SDK is registered
 * (observability/tracing starts one from the environment; a team may register its own instead). The spans
 * this application makes are all under one tracer, named after it.
 */
export const TRACER_NAME = 'nest-cms-background-tasks';

/** The provider the API hands out while no SDK is registered: its tracers make spans that record nothing. */
const NO_SDK = new ProxyTracerProvider().getDelegate();

/**
 * Whether an OpenTelemetry SDK is registered, so that spans are recorded. Asked once, when a component that
 * makes spans is constructed: with none, that component skips its tracing code altogether (no span objects,
 * no trace context to serialise and store), which is what "no cost when off" means here.
 */
export function tracingIsRegistered(): boolean {
  const provider = trace.getTracerProvider();
  const delegate = provider instanceof ProxyTracerProvider ? provider.getDelegate() : provider;
  return delegate !== NO_SDK;
}

/** The application's tracer (a no-op one while no SDK is registered). */
export function appTracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}
