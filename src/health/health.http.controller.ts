import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Controller, Get } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  TypeOrmHealthIndicator,
  type HealthCheckResult,
} from '@nestjs/terminus';
import { Public } from '../auth/index.js';
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
   * freshness and the queue's depth are in the details.
   */
  @ApiOperation({
    summary: 'Health: database, worker loop (last claim round) and queue depth',
    description:
      'status ok, or degraded when the worker loop is late; 503 when the database does not answer.',
  })
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.pingCheck('database', { timeout: 1_500 }),
      () => this.worker.worker(),
      () => this.worker.queue(),
    ]);
  }
}
