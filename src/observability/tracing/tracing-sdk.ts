import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './tracing.config.js';

let started: NodeTracerProvider | undefined;

/**
 * Registers the OpenTelemetry SDK for this process, before the application is built (its components ask
 * once, when constructed, whether to trace): a tracer provider with the configured exporters behind batch
 * processors, the W3C trace-context and baggage propagators, and AsyncLocalStorage for the active span.
 * The resource is the service name plus whatever `OTEL_RESOURCE_ATTRIBUTES` adds. `processors` replaces
 * the exporters (the tests pass an in-memory one).
 */
export function startTracing(config: TracingConfig, processors?: SpanProcessor[]): void {
  if (started) throw new Error('Tracing is started already');
  const resource = defaultResource()
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: config.serviceName }))
    .merge(detectResources({ detectors: [envDetector] }));
  const spanProcessors =
    processors ??
    config.exporters.map(
      (exporter) =>
        new BatchSpanProcessor(exporter === 'otlp' ? new OTLPTraceExporter() : new ConsoleSpanExporter()),
    );
  started = new NodeTracerProvider({ resource, spanProcessors });
  started.register();
}

/**
 * Sends the spans not yet exported, stops the SDK that startTracing registered and unregisters it, so
 * that the process could start another (none started: nothing to do).
 */
export async function stopTracing(): Promise<void> {
  const provider = started;
  if (!provider) return;
  started = undefined;
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
}
