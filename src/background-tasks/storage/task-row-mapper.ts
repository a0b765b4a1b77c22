import { readDate, readId } from '../../database/row-readers.js';
import type { ClaimCandidate } from '../flow/claim-selection.js';
import { TaskErrorCode } from '../contract/task-error-codes.js';
import type { TaskStatus } from '../task-status.js';
import type {
  AttemptError,
  BackgroundTaskRecord,
  ClaimedTask,
  LeaseRenewal,
  TaskCount,
  TaskEndings,
  OldestDueTask,
  TaskProgress,
  TaskQueueState,
  TaskViewRecord,
  WorkerHeartbeat,
  WorkerRecord,
} from '../model/task-records.js';

/** How one engine's driver hands back JSON columns: parsed (pg) or as text (better-sqlite3, mssql). */
export interface ColumnReaders {
  json(value: unknown): unknown;
}

type Row = Record<string, unknown>;

const num = (value: unknown) => Number(value);
const str = (value: unknown) => (typeof value === 'string' ? value : null);

function readProgress(row: Row): TaskProgress {
  return {
    step: row.task_step === null ? null : num(row.task_step),
    info: str(row.status_info),
    percent: num(row.percent_complete),
  };
}

export function toClaimedTask(row: Row, read: ColumnReaders): ClaimedTask {
  return {
    id: String(row.id).toLowerCase(),
    name: String(row.name),
    metadata: read.json(row.metadata),
    executionMetadata: read.json(row.execution_metadata),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    createdBy: str(row.created_by),
    leaseOwner: String(row.lease_owner),
    progress: readProgress(row),
    priority: num(row.priority),
    runAfter: readDate(row.run_after) as Date,
    claimedAt: readDate(row.started_at) as Date,
    traceContext: str(row.trace_context),
  };
}

/** A row of a lease renewal's answer; the flag is a boolean, or 0/1 where the engine has none. */
export function toLeaseRenewal(row: Row): LeaseRenewal {
  return {
    id: String(row.id).toLowerCase(),
    leaseOwner: String(row.lease_owner),
    cancelRequested: Boolean(Number(row.cancel_requested)),
  };
}

export function toTaskViewRecord(row: Row, read: ColumnReaders): TaskViewRecord {
  return {
    id: String(row.id).toLowerCase(),
    name: String(row.name),
    status: row.status as TaskStatus,
    priority: num(row.priority),
    runAfter: readDate(row.run_after) as Date,
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    cancelRequestedAt: readDate(row.cancel_requested_at),
    createdBy: str(row.created_by),
    concurrencyKey: str(row.concurrency_key),
    metadata: read.json(row.metadata),
    executionMetadata: read.json(row.execution_metadata),
    result: read.json(row.result),
    error: read.json(row.error),
    progress: readProgress(row),
    resumeAt: readDate(row.resume_at),
    attemptErrors: (read.json(row.attempt_errors) ?? []) as AttemptError[],
    createdAt: readDate(row.created_at) as Date,
    updatedAt: readDate(row.updated_at) as Date,
    startedAt: readDate(row.started_at),
    completedAt: readDate(row.completed_at),
  };
}

export function toTaskRecord(row: Row, read: ColumnReaders): BackgroundTaskRecord {
  return {
    ...toTaskViewRecord(row, read),
    leaseOwner: str(row.lease_owner),
    leaseExpiresAt: readDate(row.lease_expires_at),
    idempotencyKey: str(row.idempotency_key),
  };
}

/** Drivers that return JSON as text (better-sqlite3, mssql). */
export const parseJsonText = (value: unknown): unknown =>
  typeof value === 'string' ? JSON.parse(value) : null;

/** The timestamps among the claimed columns (readDate takes them as dates, text or epoch milliseconds). */
export const CLAIMED_TIMES = ['run_after', 'started_at'] as const;

/** Columns a claim returns: what a run needs, nothing more (results and errors stay in the table). */
export const CLAIMED_COLUMNS =
  'id, name, metadata, execution_metadata, attempts, max_attempts, created_by, lease_owner, task_step, status_info, percent_complete, ' +
  `priority, trace_context, ${CLAIMED_TIMES.join(', ')}`;

/** Columns a live view reads (TaskViewRecord): what BackgroundTaskView shows. */
export const VIEW_COLUMNS =
  'id, name, status, priority, run_after, attempts, max_attempts, cancel_requested_at, created_by, concurrency_key, metadata, ' +
  'execution_metadata, result, error, task_step, status_info, percent_complete, resume_at, attempt_errors, ' +
  'created_at, updated_at, started_at, completed_at';

export const ALL_COLUMNS = `${VIEW_COLUMNS}, lease_owner, lease_expires_at, idempotency_key`;

/** The error stored on a task whose worker vanished during its last allowed attempt. */
export const LEASE_EXPIRED_ERROR = {
  code: TaskErrorCode.LEASE_EXPIRED,
  message:
    'The worker running this task stopped renewing its lease (it crashed or stalled) on its last attempt',
};

export function toActiveCounts(row: Row): { enqueued: number; processing: number; suspended: number } {
  return { enqueued: num(row.enqueued), processing: num(row.processing), suspended: num(row.suspended) };
}

/** A row of background_task_queues (`paused` is a boolean, or 1/0 on SQLite). */
export function toTaskQueueState(row: Row): TaskQueueState {
  return {
    name: String(row.name),
    paused: row.paused === true || row.paused === 1,
    pausedAt: readDate(row.paused_at),
    pausedBy: str(row.paused_by),
  };
}

/** A row of the count by name and status. */
export function toTaskCount(row: Row): TaskCount {
  return { name: String(row.name), status: row.status as TaskStatus, count: num(row.count) };
}

/** Rows of `(<column>, count)` as a map from the column's text to the count (a flow claim's counts by key). */
export function countsByKey(rows: Row[], column: string): Map<string, number> {
  return new Map(rows.map((row) => [String(row[column]), num(row.count)]));
}

/** A waiting task a flow claim may choose (`run_after` a Date from pg and mssql, ISO text from SQLite). */
export function toClaimCandidate(row: Row): ClaimCandidate {
  return {
    id: readId(row.id),
    key: String(row.key),
    priority: num(row.priority),
    runAfterMs: (readDate(row.run_after) as Date).getTime(),
    order: String(row.order),
  };
}

/** A row of the endings per minute (`minute` a Date from pg and mssql, ISO text from SQLite). */
export function toTaskEndings(row: Row): TaskEndings {
  return {
    minute: readDate(row.minute) as Date,
    status: row.status as TaskEndings['status'],
    count: num(row.count),
  };
}

export function toOldestDueTask(row: Row): OldestDueTask {
  return { id: readId(row.id), name: String(row.name), dueSince: readDate(row.run_after) as Date };
}

/** A worker's row (background_task_workers); `running` is JSON text on every engine. */
export function toWorkerRecord(row: Row): WorkerRecord {
  return {
    id: String(row.id),
    host: String(row.host),
    pid: num(row.pid),
    role: String(row.role),
    concurrency: num(row.concurrency),
    slotsInUse: num(row.slots_in_use),
    prefetched: num(row.prefetched),
    leaseDurationMs: num(row.lease_duration_ms),
    stalled: row.stalled === true || row.stalled === 1,
    running: JSON.parse(String(row.running)) as WorkerHeartbeat['running'],
    startedAt: readDate(row.started_at) as Date,
    lastClaimAt: readDate(row.last_claim_at),
    lastSeenAt: readDate(row.last_seen_at) as Date,
    readAt: readDate(row.read_at) as Date,
  };
}

/** A heartbeat's columns in the order the report statements bind them (the times are the engine's to convert). */
export function workerColumnValues(beat: WorkerHeartbeat) {
  return [
    beat.id,
    beat.host,
    beat.pid,
    beat.role,
    beat.concurrency,
    beat.slotsInUse,
    beat.prefetched,
    beat.leaseDurationMs,
    beat.stalled,
    JSON.stringify(beat.running),
  ] as const;
}
