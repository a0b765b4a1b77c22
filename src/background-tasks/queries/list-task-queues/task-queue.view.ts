import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { FlowPolicy } from '../../flow/flow-policy.js';
import type { TaskCount, TaskQueueState } from '../../model/task-records.js';
import { TASK_STATUSES, type TaskStatus } from '../../task-status.js';

export class RateLimitView {
  @ApiProperty({ description: 'The most starts within any window of `perMs`' }) max!: number;
  @ApiProperty() perMs!: number;
  @ApiProperty({ enum: ['name', 'key'] }) scope!: 'name' | 'key';
}

/** A task name's flow control, as declared by its `@BackgroundTask`. */
export class TaskQueueLimitsView {
  @ApiPropertyOptional({ description: 'The most tasks of this name that run at once, across instances' })
  concurrency?: number;
  @ApiPropertyOptional({ description: 'The most tasks of one concurrency key that run at once' })
  concurrencyPerKey?: number;
  @ApiProperty({ enum: ['fifo', 'key'] }) fairness!: 'fifo' | 'key';
  @ApiPropertyOptional({ type: RateLimitView }) rateLimit?: RateLimitView;
}

/** One task name: its counts by status, its limits, and whether it is paused. */
export class TaskQueueView {
  @ApiProperty() name!: string;
  @ApiProperty({
    description: 'Tasks by status',
    example: { enqueued: 3, processing: 1, suspended: 0, completed: 10, failed: 0, cancelled: 0 },
  })
  counts!: Record<TaskStatus, number>;
  @ApiProperty({ type: TaskQueueLimitsView, nullable: true, description: 'null: no flow control' })
  limits!: TaskQueueLimitsView | null;
  @ApiProperty({ description: 'Whether workers leave its tasks waiting' }) paused!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pausedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) pausedBy!: string | null;
  @ApiProperty({ description: 'Whether a task of this name is registered in this application' })
  registered!: boolean;
}

export class TaskQueueListView {
  @ApiProperty({ type: [TaskQueueView] }) items!: TaskQueueView[];
}

export function emptyCounts(): Record<TaskStatus, number> {
  return Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
}

/** Rows of the count by name and status, folded into each name's counts (every status present). */
export function countsPerName(counts: readonly TaskCount[]): Map<string, Record<TaskStatus, number>> {
  const byName = new Map<string, Record<TaskStatus, number>>();
  for (const { name, status, count } of counts) {
    const forName = byName.get(name) ?? emptyCounts();
    forName[status] = count;
    byName.set(name, forName);
  }
  return byName;
}

export function toTaskQueueView(
  name: string,
  counts: Record<TaskStatus, number>,
  policy: FlowPolicy | undefined,
  state: TaskQueueState | undefined,
  registered: boolean,
): TaskQueueView {
  return {
    name,
    counts,
    limits: policy ? { ...policy, rateLimit: policy.rateLimit && { ...policy.rateLimit } } : null,
    paused: state?.paused ?? false,
    pausedAt: state?.pausedAt?.toISOString() ?? null,
    pausedBy: state?.pausedBy ?? null,
    registered,
  };
}
