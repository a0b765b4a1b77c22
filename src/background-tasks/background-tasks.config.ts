type Settings = Omit<BackgroundTasksConfig, 'heartbeatIntervalMs'>;

export class BackgroundTasksConfig {
  /** Whether this process runs the QueuedHostedService loop (APP_ROLE all or worker). */
  declare readonly runsWorker: boolean;
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
