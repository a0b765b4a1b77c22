import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
  type HealthIndicatorResult,
} from '@nestjs/terminus';
import { isAdmin, OptionalCurrentUser, Public, type ApiUser } from '../auth/index.js';
import { WorkerHealthIndicator } from './worker-health.indicator.js';

@ApiTags('operations')
@Controller('health')
@Public()
export class HealthHttpController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly worker: WorkerHealthIndicator,
  ) {}

  /**
   * 200 `{ status: 'ok' | 'degraded', … }` while the database answers; 503 when it does not. The worker's
   * freshness and the queue's depth are in the details. Why a check is down (a driver's message may name
   * the database, a host or a user) is shown to admins only, and logged; anybody else reads that it is
   * down.
   */
  @ApiOperation({
    summary: 'Health: database, worker loop (last claim round) and queue depth',
    description:
      'status ok, or degraded when the worker loop is late; 503 when the database does not answer.',
  })
  @Get()
  @HealthCheck()
  async check(@OptionalCurrentUser() caller: ApiUser | undefined): Promise<HealthCheckResult> {
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout: 1_500 }),
        () => this.worker.worker(),
        () => this.worker.queue(),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException) || (caller && isAdmin(caller))) throw error;
      throw new ServiceUnavailableException(withoutReasons(error.getResponse() as HealthCheckResult));
    }
  }
}

const HIDDEN = 'down; an admin token shows why, and the log says';

/** The result with every failed check's own words (a driver message, say) replaced by HIDDEN. */
function withoutReasons(result: HealthCheckResult): HealthCheckResult {
  const hide = (checks: Partial<HealthIndicatorResult> | undefined): HealthIndicatorResult | undefined =>
    checks &&
    Object.fromEntries(
      Object.entries(checks).map(([key, check]) => [
        key,
        check?.status === 'down' ? { status: 'down' as const, reason: HIDDEN } : check!,
      ]),
    );
  return { ...result, error: hide(result.error), details: hide(result.details) ?? {} };
}
