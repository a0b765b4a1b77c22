import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ApiUser } from '../../shared/identity/index.js';
import type { AttemptError, TaskViewRecord } from '../model/task-records.js';
import { TASK_STATUSES, type TaskStatus } from '../task-status.js';

const TIME = { type: String, format: 'date-time' } as const;
const NULLABLE_TIME = { ...TIME, nullable: true } as const;
const ANY_JSON = { description: 'Any JSON value', nullable: true } as const;

export class AttemptErrorView {
  @ApiProperty({ description: 'The attempt that failed (1 for the first run)' })
  readonly attempt!: number;
  @ApiProperty(TIME)
  readonly at!: string;
  @ApiProperty({ ...ANY_JSON, description: 'The error, e.g. { name, message, code }' })
  readonly error!: unknown;
}

/** A task as the API shows it. */
export class BackgroundTaskView {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;
  @ApiProperty({ example: 'cms.export-content-items' })
  readonly name!: string;
  @ApiProperty({ enum: TASK_STATUSES })
  readonly status!: TaskStatus;
  @ApiProperty({ type: Number, nullable: true, description: 'The step the handler last reported' })
  readonly taskStep!: number | null;
  @ApiProperty({ type: String, nullable: true, example: 'Exported 12,000 of 20,000 items' })
  readonly statusInfo!: string | null;
  @ApiProperty({ minimum: 0, maximum: 100 })
  readonly percentComplete!: number;
  @ApiProperty({ description: 'Runs started so far' })
  readonly attempts!: number;
  @ApiProperty()
  readonly maxAttempts!: number;
  @ApiProperty({ description: 'Higher runs first' })
  readonly priority!: number;
  @ApiProperty({ type: String, nullable: true })
  readonly createdBy!: string | null;
  /** The key its name's flow-control limits count it under (README "Flow control"), if any. */
  @ApiProperty({
    type: String,
    nullable: true,
    example: 'type:articles',
    description: 'Its flow-control key',
  })
  readonly concurrencyKey!: string | null;
  @ApiProperty({ ...TIME, description: 'Not run before this time' })
  readonly runAfter!: string;
  /** When a suspended task resumes by itself; null while it waits for a resume request. */
  @ApiProperty({ ...NULLABLE_TIME, description: 'When a suspended task resumes by itself' })
  readonly resumeAt!: string | null;
  @ApiProperty(TIME)
  readonly createdAt!: string;
  @ApiProperty(TIME)
  readonly updatedAt!: string;
  @ApiProperty(NULLABLE_TIME)
  readonly startedAt!: string | null;
  @ApiProperty({ ...NULLABLE_TIME, description: 'When it reached a final status' })
  readonly completedAt!: string | null;
  @ApiProperty({ ...ANY_JSON, description: 'What a completed task returned, e.g. { fileName, rows }' })
  readonly result!: unknown;
  @ApiProperty({ ...ANY_JSON, description: 'Why a failed or cancelled task ended' })
  readonly error!: unknown;
  /** The error and time of every failed attempt. */
  @ApiProperty({ type: [AttemptErrorView] })
  readonly attemptErrors!: readonly AttemptError[];
  /** The task's input and checkpoint: only its creator sees them, never another user, admins included. */
  @ApiPropertyOptional({ ...ANY_JSON, description: "The task's input; only for its creator" })
  readonly metadata?: unknown;
  @ApiPropertyOptional({ ...ANY_JSON, description: "The task's last checkpoint; only for its creator" })
  readonly executionMetadata?: unknown;
}

export class BackgroundTaskPageView {
  @ApiProperty({ type: [BackgroundTaskView] })
  readonly items!: BackgroundTaskView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  readonly nextCursor!: string | null;
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toBackgroundTaskView(record: TaskViewRecord, viewer: ApiUser): BackgroundTaskView {
  return {
    id: record.id,
    name: record.name,
    status: record.status,
    taskStep: record.progress.step,
    statusInfo: record.progress.info,
    percentComplete: record.progress.percent,
    attempts: record.attempts,
    maxAttempts: record.maxAttempts,
    priority: record.priority,
    createdBy: record.createdBy,
    concurrencyKey: record.concurrencyKey,
    runAfter: record.runAfter.toISOString(),
    resumeAt: isoOrNull(record.resumeAt),
    createdAt: record.createdAt.toISOString(),
    updatedAt: record.updatedAt.toISOString(),
    startedAt: isoOrNull(record.startedAt),
    completedAt: isoOrNull(record.completedAt),
    result: record.result,
    error: record.error,
    attemptErrors: record.attemptErrors,
    ...(record.createdBy === viewer.name
      ? { metadata: record.metadata, executionMetadata: record.executionMetadata }
      : {}),
  };
}
