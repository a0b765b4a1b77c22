import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { BackgroundTasksModule } from '../background-tasks/index.js';
import { HealthHttpController } from './health.http.controller.js';
import { WorkerHealthIndicator } from './worker-health.indicator.js';

/** GET /health, in every role: load balancers and orchestrators probe workers too. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false }), BackgroundTasksModule],
  controllers: [HealthHttpController],
  providers: [WorkerHealthIndicator],
})
export class HealthModule {}
