import { Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { BackgroundTasksStatus } from '../background-tasks/index.js';

/**
 * The worker loop and the queue, as health sees them:
 * - worker: up while claim rounds keep coming; degraded when none came for a while (the loop is backing off
 *   from database errors, or stuck), since the process still serves; down when it should run and does not.
 * - queue: how many tasks wait, run and are suspended; down when the database cannot say.
 */
@Injectable()
export class WorkerHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly tasks: BackgroundTasksStatus,
  ) {}

  /** A worker that has not claimed yet is given the same grace from start-up as between rounds. */
  private readonly startedAt = Date.now();

  /** How long without a claim round before the worker counts as impaired. */
  private get staleAfterMs(): number {
    return Math.max(3 * this.tasks.pollingDelayMs, 10_000);
  }

  worker(): HealthIndicatorResult<'worker'> {
    const check = this.indicators.check('worker');
    if (!this.tasks.runsWorker) return check.up({ running: false, reason: 'APP_ROLE=api runs no worker' });
    const worker = this.tasks.workerStatus();
    if (!worker.running) return check.down({ running: false, reason: 'the worker loop is not running' });
    const lastRound = worker.lastClaimRoundAt;
    const details = {
      running: true,
      runningTasks: worker.runningTasks,
      lastClaimRoundAt: lastRound?.toISOString() ?? null,
    };
    const age = Date.now() - (lastRound?.getTime() ?? this.startedAt);
    return age <= this.staleAfterMs
      ? check.up(details)
      : check.degraded({ ...details, reason: `no claim round for ${Math.round(age / 1000)} s` });
  }

  queue() {
    return this.indicators
      .check('queue')
      .attempt(async () => ({ ...(await this.tasks.queueCounts()) }))
      .withTimeout(1_500);
  }
}
