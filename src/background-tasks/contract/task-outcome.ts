/**
 * What a run of a task ends with. Return one from `execute`; a thrown error counts as a failure.
 *
 *   return TaskOutcome.success({ rows: 1200 });
 *   return TaskOutcome.failure({ code: 'FEED_UNREACHABLE', message: 'The feed answered 503' });
 */
export type TaskOutcome<TResult = void, TError = never> = SuccessOutcome<TResult> | FailureOutcome<TError>;

export interface SuccessOutcome<TResult> {
  readonly kind: 'success';
  readonly result: TResult;
}

export interface FailureOutcome<TError> {
  readonly kind: 'failure';
  readonly error: TError;
}

function success(): SuccessOutcome<void>;
function success<TResult>(result: TResult): SuccessOutcome<TResult>;
function success<TResult>(result?: TResult): SuccessOutcome<TResult | undefined> {
  return { kind: 'success', result };
}

function failure<TError>(error: TError): FailureOutcome<TError> {
  return { kind: 'failure', error };
}

export const TaskOutcome = { success, failure };
