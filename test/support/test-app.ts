import type { INestApplication, LoggerService, ModuleMetadata } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AppModule } from '../../src/app.module.js';
import type { AppFeature } from '../../src/shared/app-feature.js';
import { configureHttpApp } from '../../src/http-app.js';
import type { TestDatabase } from './test-database.js';
import { TestTasksModule } from './test-tasks.js';
import { TestTasksHttpModule } from './test-tasks-http.js';

export interface TestAppOptions {
  /** Environment variables on top of the test database's. */
  readonly env?: Record<string, string | undefined>;
  readonly imports?: ModuleMetadata['imports'];
  /** The features to mount (src/app.features.ts's by default). */
  readonly features?: readonly AppFeature[];
  /** Logs are off unless TEST_LOGS=1 or a logger is given (to assert on what was logged). */
  readonly logger?: LoggerService;
}

/** The real application on the test database, with the test tasks registered. Close it with `app.close()`. */
export async function createTestApp(
  db: TestDatabase,
  options: TestAppOptions = {},
): Promise<INestApplication> {
  const config = db.config({ PollingDelay: '200ms', ...options.env });
  const moduleRef = await Test.createTestingModule({
    imports: [
      AppModule.forRoot(config, options.features),
      TestTasksModule,
      ...(config.http.servesApi ? [TestTasksHttpModule] : []),
      ...(options.imports ?? []),
    ],
  }).compile();
  const app = moduleRef.createNestApplication({
    logger: options.logger ?? (process.env.TEST_LOGS ? undefined : false),
  });
  configureHttpApp(app);
  await app.init();
  return app;
}

/** A logger that keeps what it is told, for assertions. */
export class RecordingLogger implements LoggerService {
  readonly lines: { level: string; message: string }[] = [];
  log(message: unknown) {
    this.lines.push({ level: 'log', message: String(message) });
  }
  warn(message: unknown) {
    this.lines.push({ level: 'warn', message: String(message) });
  }
  error(message: unknown) {
    this.lines.push({ level: 'error', message: String(message) });
  }
  debug() {}
  verbose() {}
  has(level: string, pattern: RegExp): boolean {
    return this.lines.some((line) => line.level === level && pattern.test(line.message));
  }
}

/**
 * Polls `count` until it reaches `target`, for a drain of many tasks. It fails only when the count stops
 * moving for `stallMs`, not after a fixed time: how long a drain takes depends on how busy the machine is
 * (and on the engine: Babelfish makes claimers wait for each other's row locks), whether it progresses
 * does not.
 */
export async function untilCount(
  count: () => Promise<number>,
  target: number,
  stallMs = 60_000,
  intervalMs = 100,
): Promise<void> {
  let last = -1;
  let movedAt = Date.now();
  for (;;) {
    const now = await count();
    if (now >= target) return;
    if (now !== last) [last, movedAt] = [now, Date.now()];
    else if (Date.now() - movedAt > stallMs)
      throw new Error(`Stuck at ${now} of ${target} for ${stallMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T> | T,
  timeoutMs = 10_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
