/** The observability module's public API: JSON logs, the task lifecycle log, Prometheus metrics, tracing. */
export { ObservabilityModule } from './observability.module.js';
export { JsonLogger } from './logging/json-logger.js';
