import type { TaskStatus } from '../task-status.js';
import type { FinishedRun, RunEnding } from './task-records.js';

/**
 * A run's ending as the column values every engine writes. Computing them here keeps the three engines'
 * `finish` statements identical in meaning: each only applies the row, fenced on the lease owner, with one
 * rule of its own: a run that ends without a final status while a cancellation was requested ends
 * `cancelled` (decided under the row lock, so a request that arrives during the write is not lost).
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
export const CANCELLED_WHILE_RUNNING = { code: 'CANCELLED', message: 'Cancelled while running' };

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

type Columns = Omit<EndingRow, 'id' | 'leaseOwner' | 'step' | 'info' | 'percent'>;

const untouched = {
  resultJson: null,
  errorJson: null,
  keepError: true,
  attemptErrorJson: null,
  attemptsDelta: 0,
  runAfter: null,
  resumeAt: null,
  final: false,
} as const;

function columnsFor(ending: RunEnding): Columns {
  switch (ending.kind) {
    case 'completed':
      return {
        ...untouched,
        status: 'completed',
        resultJson: toJson(ending.result),
        keepError: false,
        final: true,
      };
    case 'failed':
      return {
        ...untouched,
        status: 'failed',
        errorJson: toJson(ending.error),
        keepError: false,
        attemptErrorJson: toJson(ending.attemptError),
        final: true,
      };
    case 'retrying':
      return {
        ...untouched,
        status: 'enqueued',
        errorJson: toJson(ending.error),
        keepError: false,
        attemptErrorJson: toJson(ending.attemptError),
        runAfter: ending.runAfter.toISOString(),
      };
    case 'suspended':
      return {
        ...untouched,
        status: 'suspended',
        attemptsDelta: -1,
        resumeAt: ending.until?.toISOString() ?? null,
      };
    case 'cancelled':
      return {
        ...untouched,
        status: 'cancelled',
        errorJson: toJson(ending.error),
        keepError: false,
        final: true,
      };
    case 'released':
      return { ...untouched, status: 'enqueued', attemptsDelta: -1 };
  }
}

export function toEndingRow(run: FinishedRun): EndingRow {
  const columns = columnsFor(run.ending);
  return {
    id: run.id,
    leaseOwner: run.leaseOwner,
    ...columns,
    step: run.progress.step,
    info: run.progress.info,
    percent: columns.status === 'completed' ? 100 : run.progress.percent,
  };
}
