import type { TaskStatus } from '../task-status.js';
import type { FinishedRun } from './task-records.js';

/**
 * A run's ending as the column values every engine writes. Computing them here keeps the three engines'
 * `finish` statements identical in meaning: each only has to apply the row, fenced on the lease owner.
 */
export interface EndingRow {
  readonly id: string;
  readonly leaseOwner: string;
  readonly status: TaskStatus;
  readonly resultJson: string | null;
  readonly errorJson: string | null;
  /** True when the ending says nothing about errors (a release) and the stored one stays. */
  readonly keepError: boolean;
  /** -1 gives the attempt back (shutdown interrupted it), 0 otherwise. */
  readonly attemptsDelta: number;
  /** New run-after time (ISO 8601), or null to keep the current one. */
  readonly runAfter: string | null;
  /** Whether the status is final, which stamps completed_at. */
  readonly final: boolean;
  readonly step: number | null;
  readonly info: string | null;
  readonly percent: number;
}

export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

export function toEndingRow(run: FinishedRun): EndingRow {
  const base = {
    id: run.id,
    leaseOwner: run.leaseOwner,
    step: run.progress.step,
    info: run.progress.info,
    percent: run.progress.percent,
    runAfter: null,
  };
  const ending = run.ending;
  switch (ending.kind) {
    case 'completed':
      return {
        ...base,
        status: 'completed',
        resultJson: toJson(ending.result),
        errorJson: null,
        keepError: false,
        attemptsDelta: 0,
        final: true,
        percent: 100,
      };
    case 'failed':
      return {
        ...base,
        status: 'failed',
        resultJson: null,
        errorJson: toJson(ending.error),
        keepError: false,
        attemptsDelta: 0,
        final: true,
      };
    case 'released':
      return {
        ...base,
        status: 'enqueued',
        resultJson: null,
        errorJson: null,
        keepError: true,
        attemptsDelta: -1,
        final: false,
      };
  }
}
