import type { EntityManager } from 'typeorm';

/** A progress report; fields left out keep their last value. */
export interface TaskProgressUpdate {
  /** The current step (TaskStep), a small integer: 1 counting, 2 writing, 3 finishing… */
  readonly step?: number;
  /** A sentence for people (StatusInfo), e.g. "Exported 12,000 of 50,000 items". */
  readonly info?: string;
  /** 0 to 100 (PercentComplete); clamped and rounded. */
  readonly percent?: number;
}

/** What an executor receives for one run of a task. */
export interface BackgroundTaskContext<TMetadata, TExecutionMetadata = void> {
  readonly taskId: string;
  readonly taskName: string;
  /** The input given to `enqueue`, after a JSON round trip (dates arrive as strings). */
  readonly metadata: TMetadata;
  /**
   * The last checkpoint: what `checkpoint()` persisted in this or an earlier run, else the value given at
   * enqueue, else the executor's `initialExecutionMetadata(metadata)`, else undefined.
   */
  readonly executionMetadata: TExecutionMetadata | undefined;
  /**
   * Persists the checkpoint (with the current progress) in one write, fenced on this worker's lease.
   * A run interrupted by a shutdown, a crash or a lost lease starts again from the last checkpoint, so
   * checkpoint only after the work it records is durable (committed, written and flushed). Rejects with a
   * TaskAbortedError when the lease is gone; the signal fires then too.
   *
   * Pass `{ manager }` to write the checkpoint inside your own transaction: it then commits, or rolls back,
   * together with the work it records, and a lost lease rolls that work back too (the call rejects).
   */
  readonly checkpoint: (next: TExecutionMetadata, options?: { manager?: EntityManager }) => Promise<void>;
  /** 1 on the first run, 2 on the first retry, … */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** The user who enqueued the task, if any. */
  readonly createdBy: string | null;
  /**
   * Fires when the run must stop: the task was cancelled or timed out, the process is shutting down, or
   * this worker lost its lease. Pass it to anything that accepts a signal (fetch, streams, timers) or check
   * `aborted`. Its `reason` is a TaskAbortedError naming the cause.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress. Cheap to call as often as you like: writes are throttled to a step change or one
   * write per 250 ms, and the latest report is always saved with the outcome.
   */
  readonly progress: (update: TaskProgressUpdate) => void;
}
