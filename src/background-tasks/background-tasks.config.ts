import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { parseDuration, parseDurationList } from '../config/duration.js';
import { IsDuration, IsDurationList, IsPrefetch, IsSize } from '../config/env-validators.js';
import { parseSize } from '../config/size.js';

type Settings = Omit<BackgroundTasksConfig, 'heartbeatIntervalMs' | 'streamsPerUser'> & {
  readonly streamsPerUser?: number;
};

export class BackgroundTasksConfig {
  /** Whether this process runs the QueuedHostedService loop (APP_ROLE all or worker). */
  declare readonly runsWorker: boolean;
  /** APP_ROLE, which the worker's heartbeat shows: `all` (API and worker) or `worker`. */
  declare readonly role: 'all' | 'api' | 'worker';
  /** Tasks run at once by this process (WORKER_CONCURRENCY). */
  declare readonly concurrency: number;
  /** Most tasks one claim round takes (BatchSize). */
  declare readonly batchSize: number;
  /** Tasks claimed ahead of free slots, started as slots free up (WORKER_PREFETCH): a number, or `auto`. */
  declare readonly prefetch: number | 'auto';
  /** How long a prefetched task may wait for a slot before it goes back to the queue (WORKER_PREFETCH_HOLD). */
  declare readonly prefetchHoldMs: number;
  /** Idle wait between claim rounds when no wake-up arrives (PollingDelay). */
  declare readonly pollingDelayMs: number;
  /** Retries after a failure: a task runs at most maxRetryCount + 1 times unless enqueued otherwise. */
  declare readonly maxRetryCount: number;
  /** Validity of a claim without renewal (LEASE_DURATION). */
  declare readonly leaseDurationMs: number;
  /**
   * How long a handler has to stop once its signal fired (SHUTDOWN_GRACE_PERIOD): at shutdown before its
   * task goes back to the queue, and after a timeout, a cancellation or a lost lease before the run ends
   * without it.
   */
  declare readonly shutdownGracePeriodMs: number;
  /** Delays before the 1st, 2nd, … retry (SchedulerRetryDelays); undefined for exponential backoff. */
  declare readonly retryDelaysMs: readonly number[] | undefined;
  /** Age after which finished tasks are deleted (TASK_RETENTION); 0 keeps them. */
  declare readonly retentionMs: number;
  /** Largest JSON a task's metadata, checkpoint, result or error may be (TASK_PAYLOAD_MAX_SIZE). */
  declare readonly payloadMaxBytes: number;
  /** Event streams (GET …/events) one user may hold open in this process (STREAMS_PER_USER). */
  readonly streamsPerUser: number = 20;

  constructor(settings: Settings) {
    Object.assign(this, settings);
  }

  /**
   * How often running tasks renew their leases. A third of the lease leaves two renewals' worth of slack
   * for a slow database; the 500 ms cap is what lets a cancellation request reach a handler within a second.
   */
  get heartbeatIntervalMs(): number {
    return Math.max(50, Math.min(Math.floor(this.leaseDurationMs / 3), 500));
  }
}

/**
 * The task module's environment variables, with their defaults. Names follow the brief: the queue's
 * scheduling settings keep the Itmo.Dev.Platform names.
 */
export class BackgroundTasksEnvironmentVariables {
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
  @IsSize('1mb, 256kb')
  TASK_PAYLOAD_MAX_SIZE = '1mb';

  /** How long a stopping worker waits for its running tasks before it puts them back in the queue. */
  @IsDuration()
  SHUTDOWN_GRACE_PERIOD = '10s';

  /** Event streams one user may hold open in one process; past it, 429. */
  @Type(() => Number)
  @IsInt({ message: 'STREAMS_PER_USER must be an integer' })
  @Min(1)
  @Max(10_000)
  STREAMS_PER_USER = 20;
}

/** The task module's configuration from its validated variables and APP_ROLE (`runsWorker` follows it). */
export function toBackgroundTasksConfig(
  vars: BackgroundTasksEnvironmentVariables,
  role: BackgroundTasksConfig['role'],
): BackgroundTasksConfig {
  const ms = (text: string) => parseDuration(text) as number; // validated already
  return new BackgroundTasksConfig({
    runsWorker: role !== 'api',
    role,
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
    streamsPerUser: vars.STREAMS_PER_USER,
  });
}
