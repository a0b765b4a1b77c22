/** The observability module's public API: JSON logs, the task lifecycle log, Prometheus metrics, tracing. */
export { ObservabilityModule } from './observability.module.js';
export { JsonLogger } from './logging/json-logger.js';
// Traces (README "Traces"): the SDK, started from OTEL_* variables before the app is built, and HTTP spans
export {
  TracingEnvironmentVariables,
  toTracingConfig,
  type TracingConfig,
  type TraceExporterName,
} from './tracing/tracing.config.js';
export { startTracing, stopTracing } from './tracing/tracing-sdk.js';
export { traceHttpRequests } from './tracing/http-request-spans.js';
