import type { ApiUser } from '../../auth/api-user.js';
import type { AttemptError, BackgroundTaskRecord } from '../storage/task-records.js';
import type { TaskStatus } from '../task-status.js';

/** A task as the API shows it. */
export class BackgroundTaskView {
  declare readonly id: string;
  declare readonly name: string;
  declare readonly status: TaskStatus;
  declare readonly taskStep: number | null;
  declare readonly statusInfo: string | null;
  declare readonly percentComplete: number;
  declare readonly attempts: number;
  declare readonly maxAttempts: number;
  declare readonly priority: number;
  declare readonly createdBy: string | null;
  declare readonly runAfter: string;
  /** When a suspended task resumes by itself; null while it waits for a resume request. */
  declare readonly resumeAt: string | null;
  declare readonly createdAt: string;
  declare readonly updatedAt: string;
  declare readonly startedAt: string | null;
  declare readonly completedAt: string | null;
  declare readonly result: unknown;
  declare readonly error: unknown;
  /** The error and time of every failed attempt. */
  declare readonly attemptErrors: readonly AttemptError[];
  /** The task's input and checkpoint: only its creator sees them, never another user, admins included. */
  declare readonly metadata?: unknown;
  declare readonly executionMetadata?: unknown;
}

const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function toBackgroundTaskView(record: BackgroundTaskRecord, viewer: ApiUser): BackgroundTaskView {
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
