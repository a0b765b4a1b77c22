import { parseAdminTokens, type AuthConfig } from '../auth/auth-config.js';
import { BackgroundTasksConfig } from '../background-tasks/background-tasks.config.js';
import { ContentConfig } from '../content/content.config.js';
import { DatabaseConfig } from '../database/database-config.js';
import { toDatabaseConfig } from '../database/database-environment.js';
import { parseDuration, parseDurationList } from './duration.js';
import { parseSize } from './size.js';
import { validateEnvironment } from './environment.js';

export type AppRole = 'all' | 'api' | 'worker';

/** Where the application keeps files: task outputs, uploads (DATA_DIR), and how large an upload may be. */
export class FilesConfig {
  constructor(
    readonly dataDir: string,
    readonly maxUploadBytes: number,
  ) {}
}

export class HttpConfig {
  constructor(
    readonly port: number,
    /** False for APP_ROLE=worker: the process serves health and metrics but no /api. */
    readonly servesApi: boolean,
  ) {}
}

/** The whole configuration, typed and validated once at boot. */
export interface AppConfig {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly role: AppRole;
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly backgroundTasks: BackgroundTasksConfig;
  readonly auth: AuthConfig;
  readonly files: FilesConfig;
  readonly content: ContentConfig;
}

/** Builds the configuration from environment variables; throws a ConfigurationError naming what is wrong. */
export function loadAppConfig(env: Record<string, string | undefined>): AppConfig {
  const vars = validateEnvironment(env);
  const ms = (text: string) => parseDuration(text) as number; // validated above
  return {
    nodeEnv: vars.NODE_ENV,
    role: vars.APP_ROLE,
    http: new HttpConfig(vars.PORT, vars.APP_ROLE !== 'worker'),
    database: toDatabaseConfig(vars),
    backgroundTasks: new BackgroundTasksConfig({
      runsWorker: vars.APP_ROLE !== 'api',
      concurrency: vars.WORKER_CONCURRENCY,
      batchSize: vars.BatchSize,
      prefetch: vars.WORKER_PREFETCH === 'auto' ? 'auto' : Number(vars.WORKER_PREFETCH),
      prefetchHoldMs: ms(vars.WORKER_PREFETCH_HOLD),
      pollingDelayMs: ms(vars.PollingDelay),
      maxRetryCount: vars.MaxRetryCount,
      leaseDurationMs: ms(vars.LEASE_DURATION),
      shutdownGracePeriodMs: ms(vars.SHUTDOWN_GRACE_PERIOD),
      retryDelaysMs:
        vars.SchedulerRetryDelays === undefined ? undefined : parseDurationList(vars.SchedulerRetryDelays),
      retentionMs: ms(vars.TASK_RETENTION),
      payloadMaxBytes: parseSize(vars.TASK_PAYLOAD_MAX_SIZE) as number,
    }),
    auth: parseAdminTokens(vars.ADMIN_TOKENS, vars.NODE_ENV),
    files: new FilesConfig(vars.DATA_DIR, parseSize(vars.UPLOAD_MAX_SIZE) as number),
    content: new ContentConfig(vars.SEED_DEMO_ITEMS),
  };
}
