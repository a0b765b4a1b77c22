import { TaskErrorCode } from '../contract/task-error-codes.js';
import type { TaskStatus } from '../task-status.js';
import type { FinishedRun } from '../model/task-records.js';

/**
 * A run's ending as the column values every engine writes. Computing them here keeps the three engines'
 * `finish` statements identical in meaning: each only applies the row, fenced on the lease owner, with one
 * rule of its own: a run that ends without a final status while a cancellation was requested ends
 * `cancelled` (decided under the row lock, so a request that arrives during the write is not lost).
 *
 * PostgreSQL reads these columns through the function `background_task_endings` (migration
 * 1764850000000): a change here needs a migration there.
 */
export interface EndingRow {
  readonly id: string;
  readonly leaseOwner: string;
  readonly status: TaskStatus;
  readonly resultJson: string | null;
  readonly errorJson: string | null;
  /** True when the ending says nothing about errors (a release, a suspension) and the stored one stays. */
  readonly keepError: boolean;
  /** Appended to attempt_errors when not null. */
  readonly attemptErrorJson: string | null;
  /** -1 gives the attempt back (shutdown or suspension ended it, not a failure), 0 otherwise. */
  readonly attemptsDelta: number;
  /** New run-after time (ISO 8601), or null to keep the current one. */
  readonly runAfter: string | null;
  /** When a suspended task resumes by itself (ISO 8601); null otherwise. */
  readonly resumeAt: string | null;
  /** Whether the status is final, which stamps completed_at. */
  readonly final: boolean;
  readonly step: number | null;
  readonly info: string | null;
  readonly percent: number;
}

/** The error stored when a cancellation requested during a run wins over how the run ended. */
export const CANCELLED_WHILE_RUNNING = { code: TaskErrorCode.CANCELLED, message: 'Cancelled while running' };

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One object per ending, filled in place: this runs for every task a worker ends, thousands a second, so
 * it makes no intermediate objects.
 */
export function toEndingRow(run: FinishedRun): EndingRow {
  const { ending, progress } = run;
  // What a release says: back to the queue, the attempt given back, everything else as it was.
  const row: Writable<EndingRow> = {
    id: run.id,
    leaseOwner: run.leaseOwner,
    status: 'enqueued',
    resultJson: null,
    errorJson: null,
    keepError: true,
    attemptErrorJson: null,
    attemptsDelta: 0,
    runAfter: null,
    resumeAt: null,
    final: false,
    step: progress.step,
    info: progress.info,
    percent: progress.percent,
  };
  switch (ending.kind) {
    case 'completed':
      row.status = 'completed';
      row.resultJson = ending.resultJson;
      row.keepError = false;
      row.final = true;
      row.percent = 100;
      break;
    case 'failed':
      row.status = 'failed';
      row.errorJson = ending.errorJson;
      row.keepError = false;
      row.attemptErrorJson = ending.attemptErrorJson;
      row.final = true;
      break;
    case 'retrying':
      row.errorJson = ending.errorJson;
      row.keepError = false;
      row.attemptErrorJson = ending.attemptErrorJson;
      row.runAfter = ending.runAfter.toISOString();
      break;
    case 'suspended':
      row.status = 'suspended';
      row.attemptsDelta = -1;
      row.resumeAt = ending.until?.toISOString() ?? null;
      break;
    case 'cancelled':
      row.status = 'cancelled';
      row.errorJson = ending.errorJson;
      row.keepError = false;
      row.final = true;
      break;
    case 'released':
      row.attemptsDelta = -1;
      break;
  }
  return row;
}
