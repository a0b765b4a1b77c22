import { ApiProperty } from '@nestjs/swagger';
import type { OldestDueTask, TaskCount, TaskEndings } from '../../model/task-records.js';
import type { TaskStatus } from '../../task-status.js';
import { countsPerName, emptyCounts } from '../list-task-queues/task-queue.view.js';
import type { WorkerState } from '../list-workers/worker.view.js';

const COUNTS_EXAMPLE = { enqueued: 3, processing: 1, suspended: 0, completed: 10, failed: 0, cancelled: 0 };
/** The chart's span: this minute and the 59 before it. */
export const OVERVIEW_MINUTES = 60;

export class TaskNameCountsView {
  @ApiProperty() readonly name!: string;
  @ApiProperty({ example: COUNTS_EXAMPLE }) readonly counts!: Record<TaskStatus, number>;
}

export class MinuteEndingsView {
  @ApiProperty({ type: String, format: 'date-time', description: "The minute's start" })
  readonly minute!: string;
  @ApiProperty() readonly completed!: number;
  @ApiProperty() readonly failed!: number;
}

export class OldestDueTaskView {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly name!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'Since when it could have run' })
  readonly dueSince!: string;
  @ApiProperty({ description: 'How long it has waited since then, in milliseconds' })
  readonly waitingMs!: number;
}

export class WorkerStateCountsView {
  @ApiProperty() readonly live!: number;
  @ApiProperty({ description: 'Seen, but their claim loop has not answered with a slot free' })
  readonly stalled!: number;
  @ApiProperty({ description: 'Not seen for their lease duration, and not yet removed' })
  readonly gone!: number;
}

export class TaskOverviewView {
  @ApiProperty({ type: String, format: 'date-time' }) readonly at!: string;
  @ApiProperty({ example: COUNTS_EXAMPLE, description: 'Every task by status' })
  readonly counts!: Record<TaskStatus, number>;
  @ApiProperty({ type: [TaskNameCountsView], description: 'By task name, in name order' })
  readonly byName!: TaskNameCountsView[];
  @ApiProperty({
    type: [MinuteEndingsView],
    description: `Tasks completed and failed in each of the last ${OVERVIEW_MINUTES} minutes, oldest first`,
  })
  readonly endingsPerMinute!: MinuteEndingsView[];
  @ApiProperty({ type: OldestDueTaskView, nullable: true, description: 'The task due the longest' })
  readonly oldestDue!: OldestDueTaskView | null;
  @ApiProperty({ type: WorkerStateCountsView, description: 'Worker processes by state (GET /api/workers)' })
  readonly workers!: WorkerStateCountsView;
}

/** The first minute the chart shows, for `now`. */
export function overviewSince(now: Date): Date {
  return new Date(Math.floor(now.getTime() / 60_000) * 60_000 - (OVERVIEW_MINUTES - 1) * 60_000);
}

export function toTaskOverviewView(
  now: Date,
  counts: readonly TaskCount[],
  endings: readonly TaskEndings[],
  oldestDue: OldestDueTask | undefined,
  workers: Record<WorkerState, number>,
): TaskOverviewView {
  const total = emptyCounts();
  for (const { status, count } of counts) total[status] += count;
  const byName = countsPerName(counts);
  // Every minute of the span, the empty ones too, so that the chart's bars keep their places.
  const first = overviewSince(now).getTime();
  const minutes = Array.from({ length: OVERVIEW_MINUTES }, (_, index) => ({
    minute: new Date(first + index * 60_000).toISOString(),
    completed: 0,
    failed: 0,
  }));
  for (const { minute, status, count } of endings) {
    const index = Math.round((minute.getTime() - first) / 60_000);
    if (index >= 0 && index < OVERVIEW_MINUTES) minutes[index][status] += count;
  }
  return {
    at: now.toISOString(),
    counts: total,
    byName: [...byName.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, forName]) => ({ name, counts: forName })),
    endingsPerMinute: minutes,
    oldestDue: oldestDue
      ? {
          id: oldestDue.id,
          name: oldestDue.name,
          dueSince: oldestDue.dueSince.toISOString(),
          waitingMs: Math.max(0, now.getTime() - oldestDue.dueSince.getTime()),
        }
      : null,
    workers,
  };
}
