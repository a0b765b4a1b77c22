import { readVariables } from '../../config/validate-variables.js';
import { TracingEnvironmentVariables, toTracingConfig } from './tracing.config.js';

const configOf = (env: Record<string, string>) => {
  const { variables, problems } = readVariables(TracingEnvironmentVariables, env);
  return { config: toTracingConfig(variables), problems };
};

describe('tracing configuration', () => {
  it('is off unless OTEL_TRACES_EXPORTER names an exporter, and OTEL_SDK_DISABLED wins', () => {
    expect(configOf({}).config).toBeUndefined();
    expect(configOf({ OTEL_TRACES_EXPORTER: 'none' }).config).toBeUndefined();
    expect(configOf({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).config).toBeUndefined();
    expect(configOf({ OTEL_TRACES_EXPORTER: 'otlp, console,otlp' }).config).toEqual({
      exporters: ['otlp', 'console'],
      serviceName: 'nest-cms-background-tasks',
    });
    expect(configOf({ OTEL_TRACES_EXPORTER: 'console', OTEL_SERVICE_NAME: 'cms-eu' }).config).toEqual({
      exporters: ['console'],
      serviceName: 'cms-eu',
    });
  });

  it('names the variable of a value it cannot use', () => {
    expect(configOf({ OTEL_TRACES_EXPORTER: 'jaeger' }).problems).toEqual([
      'OTEL_TRACES_EXPORTER must be otlp, console or none, or a comma-separated list of them (got "jaeger")',
    ]);
    expect(configOf({ OTEL_SDK_DISABLED: 'yes' }).problems).toEqual([
      'OTEL_SDK_DISABLED must be true or false (got "yes")',
    ]);
  });
});
