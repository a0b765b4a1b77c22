const HOUR_MS = 3_600_000;

/**
 * How long a failed task waits before its next attempt. With SchedulerRetryDelays the n-th retry waits the
 * n-th delay (the last one repeats); without, 1 s doubling per attempt up to an hour, with ±20 % jitter so
 * that tasks failing together (an outage) do not come back together.
 */
export class RetryPolicy {
  constructor(private readonly delaysMs: readonly number[] | undefined) {}

  /** The delay after attempt `failedAttempt` (1-based) failed. */
  delayAfter(failedAttempt: number): number {
    if (this.delaysMs && this.delaysMs.length > 0) {
      return this.delaysMs[Math.min(failedAttempt, this.delaysMs.length) - 1];
    }
    const base = Math.min(HOUR_MS, 1_000 * 2 ** Math.min(failedAttempt - 1, 30));
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }
}
