import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Public } from '../../auth/index.js';
import { TaskMetrics } from './task-metrics.js';

@ApiTags('operations')
@Controller('metrics')
@Public()
export class MetricsHttpController {
  constructor(private readonly metrics: TaskMetrics) {}

  /** Prometheus text format, without a token (like /health): counts and timings, no task data. */
  @ApiOperation({
    summary:
      'Prometheus metrics: task counts by name and outcome, run time, queue wait and depth, claim rounds',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', schema: { type: 'string' } })
  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() response: Response): Promise<void> {
    const { contentType, body } = await this.metrics.scrape();
    response.type(contentType).send(body);
  }
}
