import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, registerDecorator } from 'class-validator';
import { DatabaseEnvironmentVariables } from '../database/database-environment.js';
import { isDuration, parseDuration, parseDurationList } from './duration.js';
import { validateVariables } from './validate-variables.js';

export { SQL_IDENTIFIER } from '../database/database-environment.js';
export { ConfigurationError } from './validate-variables.js';

function IsDurationList(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDurationList',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) => typeof value === 'string' && parseDurationList(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be a comma-separated list of durations, e.g. 1s,10s,1m`,
      },
    });
}

/** A duration (see duration.ts), at least `floor` when given: `floor.why` says what a shorter one breaks. */
function IsDuration(floor?: {
  readonly ms: number;
  readonly text: string;
  readonly why: string;
}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) =>
          isDuration(value) && (!floor || (parseDuration(value as string) as number) >= floor.ms),
        defaultMessage: (args) =>
          isDuration(args?.value) && floor
            ? `${args?.property} must be at least ${floor.text}: ${floor.why}`
            : `${args?.property} must be a duration such as 250ms, 5s, 2m or 1h`,
      },
    });
}

/** WORKER_PREFETCH: `auto`, or a number of tasks from 0 to 1000. */
function IsPrefetch(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPrefetch',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) =>
          value === 'auto' || (typeof value === 'string' && /^\d+$/.test(value) && Number(value) <= 1000),
        defaultMessage: (args) => `${args?.property} must be auto or an integer from 0 to 1000`,
      },
    });
}

/**
 * Every environment variable the application reads, with its default. This class is the only place that
 * knows about `process.env`; the rest of the code receives the typed namespaces built in `app-config.ts`.
 * Names follow the brief: the queue's scheduling settings keep the Itmo.Dev.Platform names.
 */
export class EnvironmentVariables extends DatabaseEnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  /** Most tasks one claim round may take. */
  @Type(() => Number)
  @IsInt({ message: 'BatchSize must be an integer' })
  @Min(1)
  @Max(1000)
  BatchSize = 50;

  /** How often an idle worker looks for due tasks when no wake-up arrives. */
  @IsDuration({
    ms: 10,
    text: '10ms',
    why: 'a shorter delay makes an idle worker poll the database without pause',
  })
  PollingDelay = '1s';

  /** How many times a failed task is tried again (so it runs at most MaxRetryCount + 1 times). */
  @Type(() => Number)
  @IsInt({ message: 'MaxRetryCount must be an integer' })
  @Min(0)
  @Max(100)
  MaxRetryCount = 3;

  /**
   * Delay before each retry of a failed task: the n-th retry waits the n-th value (the last one repeats).
   * Unset: exponential, 1 s doubling up to 1 h, with ±20 % jitter.
   */
  @IsOptional()
  @IsDurationList()
  SchedulerRetryDelays?: string = undefined;

  /** How long finished tasks (and the files they produced) are kept; 0 keeps them forever. */
  @IsDuration()
  TASK_RETENTION = '7d';

  /** Where tasks write their files (CSV exports, uploads, error reports). */
  @IsString()
  DATA_DIR = './data';

  /** Items of the demo content type `articles` that a fresh database gets; 0 seeds nothing. */
  @Type(() => Number)
  @IsInt({ message: 'SEED_DEMO_ITEMS must be an integer' })
  @Min(0)
  @Max(10_000_000)
  SEED_DEMO_ITEMS = 20_000;

  /** Largest CSV file an import accepts (`50mb`, `512kb`, or bytes); larger uploads get 413. */
  @Matches(/^\d+\s*(b|kb|mb|gb)?$/i, {
    message: 'UPLOAD_MAX_SIZE must be a size such as 50mb, 512kb or a number of bytes',
  })
  UPLOAD_MAX_SIZE = '50mb';

  /** Tasks one worker process runs at the same time. */
  @Type(() => Number)
  @IsInt({ message: 'WORKER_CONCURRENCY must be an integer' })
  @Min(1)
  @Max(1000)
  WORKER_CONCURRENCY = 4;

  /**
   * Tasks a worker may claim beyond its free slots, to start them without a round trip when a slot frees
   * up. `auto` (the default) follows the worker's pace: up to half the tasks it started in the last second,
   * so short tasks drain in batches and long ones are never held back. A number fixes it (0: claim only for
   * free slots). A prefetched task not started within a second goes back to the queue.
   */
  @IsPrefetch()
  WORKER_PREFETCH = 'auto';

  /**
   * How long a prefetched task may wait for a slot before it goes back to the queue for another worker
   * (and how far back the `auto` prefetch looks at the worker's pace).
   */
  @IsDuration({
    ms: 100,
    text: '100ms',
    why: 'a shorter hold gives prefetched tasks back before a slot can free up',
  })
  WORKER_PREFETCH_HOLD = '1s';

  /**
   * How long a claim stays valid without renewal; a crashed worker's tasks run again after this. Leases are
   * renewed every min(LEASE_DURATION / 3, 500 ms), so at least 1 s leaves three renewals' worth of time
   * before a lease lapses on a busy machine.
   */
  @IsDuration({
    ms: 1_000,
    text: '1s',
    why: 'leases are renewed every third of it, and a shorter one lapses under load',
  })
  LEASE_DURATION = '30s';

  /** The largest JSON a task's metadata, checkpoint, result or error may be (`1mb`, `256kb`, bytes). */
  @Matches(/^\d+\s*(b|kb|mb|gb)?$/i, {
    message: 'TASK_PAYLOAD_MAX_SIZE must be a size such as 1mb, 256kb or a number of bytes',
  })
  TASK_PAYLOAD_MAX_SIZE = '1mb';

  /** How long a stopping worker waits for its running tasks before it puts them back in the queue. */
  @IsDuration()
  SHUTDOWN_GRACE_PERIOD = '10s';

  @IsIn(['all', 'api', 'worker'])
  APP_ROLE: 'all' | 'api' | 'worker' = 'all';

  @Type(() => Number)
  @IsInt({ message: 'PORT must be an integer' })
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** `name:token[:role],…`; parsed and checked further in `auth-config.ts`. */
  @IsOptional()
  @IsString()
  ADMIN_TOKENS?: string = undefined;
}

/** Validates the raw environment; throws a ConfigurationError naming every bad variable. */
export function validateEnvironment(env: Record<string, string | undefined>): EnvironmentVariables {
  return validateVariables(EnvironmentVariables, env);
}
