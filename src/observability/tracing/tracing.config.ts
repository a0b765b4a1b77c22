import { IsIn, IsOptional, IsString, Matches } from 'class-validator';

/** Where finished spans go: OTLP over HTTP (to a collector, Jaeger, Tempo, Honeycomb…), or stdout. */
export type TraceExporterName = 'otlp' | 'console';

/**
 * OpenTelemetry's own variables, as far as this application reads them (the OTLP exporter reads its
 * `OTEL_EXPORTER_OTLP_*` variables itself, the SDK its sampler and batch settings). Tracing is off unless
 * `OTEL_TRACES_EXPORTER` names an exporter: a starter should not send data anywhere nobody asked for.
 */
export class TracingEnvironmentVariables {
  /** `otlp`, `console`, both (`otlp,console`), or `none` (the default): which exporters get the spans. */
  @IsOptional()
  @Matches(/^\s*(otlp|console|none)\s*(,\s*(otlp|console|none)\s*)*$/, {
    message: 'OTEL_TRACES_EXPORTER must be otlp, console or none, or a comma-separated list of them',
  })
  OTEL_TRACES_EXPORTER: string | undefined = undefined;

  /** `true` turns the SDK off whatever else is set, as in every OpenTelemetry SDK. */
  @IsIn(['true', 'false'], { message: 'OTEL_SDK_DISABLED must be true or false' })
  OTEL_SDK_DISABLED = 'false';

  /** The service name the spans carry. */
  @IsString()
  OTEL_SERVICE_NAME = 'nest-cms-background-tasks';
}

/** Tracing as configured: undefined when it is off. */
export interface TracingConfig {
  readonly exporters: readonly TraceExporterName[];
  readonly serviceName: string;
}

export function toTracingConfig(vars: TracingEnvironmentVariables): TracingConfig | undefined {
  const named = (vars.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  const exporters = [
    ...new Set(named.filter((name): name is TraceExporterName => name === 'otlp' || name === 'console')),
  ];
  if (vars.OTEL_SDK_DISABLED === 'true' || exporters.length === 0 || named.includes('none')) return undefined;
  return { exporters, serviceName: vars.OTEL_SERVICE_NAME };
}
