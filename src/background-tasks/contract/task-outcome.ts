/**
 * What a run of a task ends with; `execute` returns one. The worker handles each kind:
 *
 *   return TaskOutcome.success({ rows: 1200 });              // completed, result stored
 *   return TaskOutcome.suspended(new Date(Date.now() + 60_000)); // suspended, resumes by itself at that time
 *   return TaskOutcome.suspended();                          // suspended until POST /api/background-tasks/:id/resume
 *   return TaskOutcome.failure({ code: 'FEED_DOWN' });       // retried after a delay while attempts remain
 *   return TaskOutcome.failure({ code: 'BAD_FILE' }, { retry: false }); // failed now, no retry
 *   return TaskOutcome.cancellation({ reason: 'source deleted' });     // cancelled
 *
 * A thrown error is a failure too; throw an UnrecoverableTaskError to skip the retries.
 */
export type TaskOutcome<TResult = void, TError = never> =
  SuccessOutcome<TResult> | SuspendedOutcome | FailureOutcome<TError> | CancellationOutcome<TError>;

export interface SuccessOutcome<TResult> {
  readonly kind: 'success';
  readonly result: TResult;
}

export interface SuspendedOutcome {
  readonly kind: 'suspended';
  /** When the task resumes by itself; undefined to wait for a resume request. */
  readonly until: Date | undefined;
}

export interface FailureOutcome<TError> {
  readonly kind: 'failure';
  readonly error: TError;
  /** False to fail now even when attempts remain. */
  readonly retry: boolean;
}

export interface CancellationOutcome<TError> {
  readonly kind: 'cancellation';
  readonly error: TError;
}

function success(): SuccessOutcome<void>;
function success<TResult>(result: TResult): SuccessOutcome<TResult>;
function success<TResult>(result?: TResult): SuccessOutcome<TResult | undefined> {
  return { kind: 'success', result };
}

function suspended(until?: Date): SuspendedOutcome {
  if (until !== undefined && !Number.isFinite(until.getTime())) {
    throw new TypeError('TaskOutcome.suspended(until) needs a valid Date');
  }
  return { kind: 'suspended', until };
}

function failure<TError>(error: TError, options: { retry?: boolean } = {}): FailureOutcome<TError> {
  return { kind: 'failure', error, retry: options.retry ?? true };
}

function cancellation<TError>(error: TError): CancellationOutcome<TError> {
  return { kind: 'cancellation', error };
}

export const TaskOutcome = { success, suspended, failure, cancellation };

const KINDS: ReadonlySet<string> = new Set(['success', 'suspended', 'failure', 'cancellation']);

export function isTaskOutcome(value: unknown): value is TaskOutcome<unknown, unknown> {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && KINDS.has(kind);
}
