import { TaskErrorCode } from '../contract/task-error-codes.js';
import { describeThrown, preview } from './run-errors.js';

/** A TaskOutcome as the worker reads it: each field read once, checked, and copied. */
export type ReturnedOutcome =
  | { readonly kind: 'success'; readonly result: unknown }
  | { readonly kind: 'suspended'; readonly until: Date | null }
  | { readonly kind: 'failure'; readonly error: unknown; readonly retry: boolean }
  | { readonly kind: 'cancellation'; readonly error: unknown };

/** What `execute()` returned, when it is not an outcome: stored as a NOT_AN_OUTCOME failure. */
export class NotAnOutcome {
  readonly code = TaskErrorCode.NOT_AN_OUTCOME;
  constructor(readonly message: string) {}
}

/**
 * Reads what `execute()` resolved with. TypeScript makes executors return a TaskOutcome, but a JavaScript
 * caller, an `as any` or a hand-built object can return anything: `{ kind: 'suspended', until: 'soon' }`,
 * an object whose getters throw, a number. Reading each field once, here, inside the run's error handling,
 * means the rest of the worker only ever sees a well-formed outcome.
 */
export function readReturnedOutcome(value: unknown, executorName: string): ReturnedOutcome | NotAnOutcome {
  const expected = `${executorName}.execute() must return a TaskOutcome (success, suspended, failure or cancellation)`;
  try {
    if (typeof value !== 'object' || value === null)
      return new NotAnOutcome(`${expected}; it returned ${preview(value)}`);
    const outcome = value as Record<string, unknown>;
    const kind = outcome.kind;
    switch (kind) {
      case 'success':
        return { kind, result: outcome.result };
      case 'suspended': {
        const until = outcome.until;
        if (until === undefined || until === null) return { kind, until: null };
        if (until instanceof Date && Number.isFinite(until.getTime()))
          return { kind, until: new Date(until) };
        return new NotAnOutcome(`${expected}; its suspended outcome has an until that is not a valid Date`);
      }
      case 'failure':
        return { kind, error: outcome.error, retry: outcome.retry !== false };
      case 'cancellation':
        return { kind, error: outcome.error };
      default:
        return new NotAnOutcome(`${expected}; it returned ${preview(value)}`);
    }
  } catch (error) {
    return new NotAnOutcome(`${expected}; reading what it returned threw (${describeThrown(error).message})`);
  }
}
