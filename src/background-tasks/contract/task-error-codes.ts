/**
 * The stable codes the worker stores in a task's `error` when the run did not end with an error of the
 * task's own: clients and operators branch on these. (An error a task throws or returns keeps its own
 * `code`, if it has one.)
 */
export const TaskErrorCode = {
  /** The run took longer than the task's `timeout`; retried while attempts remain. */
  TIMEOUT: 'TIMEOUT',
  /** A cancellation was requested while the task ran. */
  CANCELLED: 'CANCELLED',
  /** The worker running the last allowed attempt stopped renewing its lease (it crashed or stalled). */
  LEASE_EXPIRED: 'LEASE_EXPIRED',
  /** The task threw (or rejected with) something that is not an Error: null, a string, a number, … */
  NON_ERROR_THROWN: 'NON_ERROR_THROWN',
  /** `execute()` returned something that is not a TaskOutcome; not retried. */
  NOT_AN_OUTCOME: 'NOT_AN_OUTCOME',
  /** The result cannot be stored as JSON (a BigInt, a cycle, a lone surrogate, a NUL); not retried. */
  RESULT_NOT_STORABLE: 'RESULT_NOT_STORABLE',
  /** The result is larger than TASK_PAYLOAD_MAX_SIZE; not retried. */
  RESULT_TOO_LARGE: 'RESULT_TOO_LARGE',
  /** The error the task failed with cannot be stored as JSON; stored instead, with the same retry. */
  ERROR_NOT_STORABLE: 'ERROR_NOT_STORABLE',
  /** The error the task failed with is larger than TASK_PAYLOAD_MAX_SIZE; its start is stored instead. */
  ERROR_TOO_LARGE: 'ERROR_TOO_LARGE',
  /** `checkpoint()` was given a value that cannot be stored as JSON (thrown to the task, not retried). */
  CHECKPOINT_NOT_STORABLE: 'CHECKPOINT_NOT_STORABLE',
  /** `checkpoint()` was given a value larger than TASK_PAYLOAD_MAX_SIZE (thrown to the task, not retried). */
  CHECKPOINT_TOO_LARGE: 'CHECKPOINT_TOO_LARGE',
  /** The database refused to store how the run ended; the task is failed so that it does not stay running. */
  ENDING_NOT_STORABLE: 'ENDING_NOT_STORABLE',
  /** No executor is registered for the task's name in the process that claimed it. */
  NO_EXECUTOR: 'NO_EXECUTOR',
  /** The worker could not turn how the run ended into an ending (a bug: the log says more); retried. */
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type TaskErrorCode = (typeof TaskErrorCode)[keyof typeof TaskErrorCode];
