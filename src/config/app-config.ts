import { parseAdminTokens, AuthEnvironmentVariables, type AuthConfig } from '../auth/index.js';
import {
  BackgroundTasksEnvironmentVariables,
  toBackgroundTasksConfig,
  type BackgroundTasksConfig,
} from '../background-tasks/index.js';
import { APP_FEATURES } from '../app.features.js';
import type { DatabaseConfig } from '../database/database-config.js';
import { DatabaseEnvironmentVariables, toDatabaseConfig } from '../database/database-environment.js';
import { FilesEnvironmentVariables, toFilesConfig, type FilesConfig } from '../shared/files.config.js';
import { HttpConfig } from '../shared/http.config.js';
import { TracingEnvironmentVariables, toTracingConfig, type TracingConfig } from '../observability/index.js';
import { AppEnvironmentVariables } from './environment.js';
import { assertNoProblems, readVariables } from './validate-variables.js';

export type AppRole = 'all' | 'api' | 'worker';

/** Where the application keeps files: task outputs, uploads (DATA_DIR), and how large an upload may be. */
/** The whole configuration, typed and validated once at boot. */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly role: AppRole;
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly backgroundTasks: BackgroundTasksConfig;
  readonly auth: AuthConfig;
  readonly files: FilesConfig;
  /** OpenTelemetry tracing (OTEL_TRACES_EXPORTER …); undefined when off. */
  readonly tracing: TracingConfig | undefined;
  /** Each feature's configuration (src/app.features.ts), by the class it is injected as. */
  readonly features: ReadonlyMap<abstract new (...args: never[]) => object, object>;
}

/**
 * Builds the configuration from environment variables: each module's own variables (its
 * `…EnvironmentVariables` class), all checked before any is used; throws a ConfigurationError naming
 * every bad variable.
 */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const problems: string[] = [];
  const read = <T extends object>(Variables: new () => T): T => {
    const result = readVariables(Variables, env);
    problems.push(...result.problems);
    return result.variables;
  };
  const app = read(AppEnvironmentVariables);
  const database = read(DatabaseEnvironmentVariables);
  const tasks = read(BackgroundTasksEnvironmentVariables);
  const auth = read(AuthEnvironmentVariables);
  const files = read(FilesEnvironmentVariables);
  const tracing = read(TracingEnvironmentVariables);
  const features = APP_FEATURES.flatMap(({ configuration }) =>
    configuration ? [{ configuration, variables: read(configuration.variables) }] : [],
  );
  assertNoProblems(problems);
  return {
    nodeEnv: app.NODE_ENV,
    role: app.APP_ROLE,
    http: new HttpConfig({
      port: app.PORT,
      host: app.HOST ?? (app.NODE_ENV === 'production' ? undefined : '127.0.0.1'),
      servesApi: app.APP_ROLE !== 'worker',
      corsOrigins: app.CORS_ORIGINS,
      trustProxy: trustProxyOf(app.TRUST_PROXY),
    }),
    database: toDatabaseConfig(database),
    backgroundTasks: toBackgroundTasksConfig(tasks, app.APP_ROLE),
    auth: parseAdminTokens(auth.ADMIN_TOKENS, app.NODE_ENV, auth.AUTH_FAILURES_PER_MINUTE),
    files: toFilesConfig(files),
    tracing: toTracingConfig(tracing),
    features: new Map(
      features.map(({ configuration, variables }) => [configuration.provide, configuration.build(variables)]),
    ),
  };
}

/** TRUST_PROXY as Express takes it: a hop count, a list, or no proxy at all. */
function trustProxyOf(entries: readonly string[]): number | readonly string[] | false {
  if (entries.length === 0) return false;
  return entries.length === 1 && /^\d+$/.test(entries[0]) ? Number(entries[0]) : entries;
}
