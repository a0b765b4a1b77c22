import { Module } from '@nestjs/common';
import { BackgroundTasksModule } from '../background-tasks/index.js';
import { TaskLifecycleLog } from './logging/task-lifecycle-log.js';
import { MetricsHttpController } from './metrics/metrics.http.controller.js';
import { TaskMetrics } from './metrics/task-metrics.js';

/** GET /metrics and the task lifecycle log, in every role: workers hold most of the figures. */
@Module({
  imports: [BackgroundTasksModule],
  controllers: [MetricsHttpController],
  providers: [TaskMetrics, TaskLifecycleLog],
})
export class ObservabilityModule {}
