import { ApiProperty } from '@nestjs/swagger';
import { TASK_STATUSES, type TaskStatus } from '../../task-status.js';

const TIME = { type: String, format: 'date-time' } as const;

export class RecurringTaskRunView {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty({ enum: TASK_STATUSES }) readonly status!: TaskStatus;
  @ApiProperty({ ...TIME, nullable: true, description: 'The slot it was enqueued for; null for a "run now"' })
  readonly slot!: string | null;
  @ApiProperty(TIME) readonly createdAt!: string;
  @ApiProperty({ ...TIME, nullable: true }) readonly completedAt!: string | null;
}

export class RecurringTaskView {
  @ApiProperty({ example: 'cms.nightly-export' }) readonly name!: string;
  @ApiProperty({ example: '0 3 * * *' }) readonly cron!: string;
  @ApiProperty({ type: String, nullable: true, description: "The schedule's time zone; null: the server's" })
  readonly timeZone!: string | null;
  @ApiProperty({ ...TIME, description: 'The next slot the scheduler enqueues it for' })
  readonly nextSlot!: string;
  @ApiProperty({ type: RecurringTaskRunView, nullable: true, description: 'Its newest task, if any' })
  readonly lastRun!: RecurringTaskRunView | null;
  @ApiProperty({ description: 'Paused: no slot is enqueued and no waiting task of it runs' })
  readonly paused!: boolean;
}

export class RecurringTaskListView {
  @ApiProperty({ type: [RecurringTaskView] }) readonly items!: RecurringTaskView[];
}
