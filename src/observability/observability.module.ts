import { Module } from '@nestjs/common';
import { BackgroundTasksModule } from '../background-tasks/index.js';
import { TaskLifecycleLog } from './logging/task-lifecycle-log.js';
import { MetricsHttpController } from './metrics/metrics.http.controller.js';
import { TaskMetrics } from './metrics/task-metrics.js';
import { TracingShutdown } from './tracing/tracing-shutdown.js';

/**
 * GET /metrics and the task lifecycle log, in every role: workers hold most of the figures; and the
 * export of the last spans at shutdown.
 */
@Module({
  imports: [BackgroundTasksModule],
  controllers: [MetricsHttpController],
  providers: [TaskMetrics, TaskLifecycleLog, TracingShutdown],
})
export class ObservabilityModule {}
