import { parseDuration } from '../../config/duration.js';

/** How a task's rate limit is declared (`rateLimit: { max: 100, per: '1m' }`). */
export interface RateLimitOptions {
  /** The most starts within any window of length `per`. */
  readonly max: number;
  /** The window: `30s`, `1m`, `1h`, or milliseconds. */
  readonly per: string | number;
  /** Counted for the task name as a whole (the default), or for each concurrency key on its own. */
  readonly scope?: 'name' | 'key';
}

/** The flow-control options of `@BackgroundTask`, as declared. */
export interface FlowOptions {
  /** The most tasks of this name that run at once, across every instance. */
  readonly concurrency?: number;
  /** The most tasks of one concurrency key (an enqueue's `concurrencyKey`) that run at once. */
  readonly concurrencyPerKey?: number;
  /**
   * `fifo` (the default): claimed by priority, then age. `key`: each claim round takes tasks round-robin
   * over the keys that have due work, so that one key's backlog does not hold the others back.
   */
  readonly fairness?: 'fifo' | 'key';
  /** The most starts per interval, across every instance. */
  readonly rateLimit?: RateLimitOptions;
}

/** A task name's flow control, checked and normalised at boot (see flowPolicyOf). */
export interface FlowPolicy {
  readonly concurrency?: number;
  readonly concurrencyPerKey?: number;
  readonly fairness: 'fifo' | 'key';
  readonly rateLimit?: { readonly max: number; readonly perMs: number; readonly scope: 'name' | 'key' };
}

/** The largest limit accepted: anything larger is a typo, not a limit. */
const LIMIT_MAX = 1_000_000;

function positiveInteger(value: number | undefined, what: string, task: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= LIMIT_MAX)) {
    throw new Error(`Background task "${task}" needs a ${what} that is an integer from 1 to ${LIMIT_MAX}`);
  }
}

/**
 * The policy of a task that declares flow-control options, undefined for one that declares none (its
 * tasks take the plain claim). Throws, naming the task and the option, on a value that makes no sense.
 */
export function flowPolicyOf(task: string, options: FlowOptions): FlowPolicy | undefined {
  const { concurrency, concurrencyPerKey, fairness, rateLimit } = options;
  positiveInteger(concurrency, 'concurrency', task);
  positiveInteger(concurrencyPerKey, 'concurrencyPerKey', task);
  if (fairness !== undefined && fairness !== 'fifo' && fairness !== 'key') {
    throw new Error(`Background task "${task}" has fairness ${JSON.stringify(fairness)}: 'fifo' or 'key'`);
  }
  let rate: FlowPolicy['rateLimit'];
  if (rateLimit !== undefined) {
    positiveInteger(rateLimit.max, 'rateLimit.max', task);
    const perMs = typeof rateLimit.per === 'number' ? rateLimit.per : parseDuration(String(rateLimit.per));
    if (perMs === undefined || !Number.isInteger(perMs) || perMs < 1) {
      throw new Error(
        `Background task "${task}" has an invalid rateLimit.per ${JSON.stringify(rateLimit.per)}`,
      );
    }
    const scope = rateLimit.scope ?? 'name';
    if (scope !== 'name' && scope !== 'key') {
      throw new Error(
        `Background task "${task}" has rateLimit.scope ${JSON.stringify(scope)}: 'name' or 'key'`,
      );
    }
    rate = { max: rateLimit.max, perMs, scope };
  }
  if (concurrency === undefined && concurrencyPerKey === undefined && fairness !== 'key' && !rate) {
    return undefined;
  }
  return { concurrency, concurrencyPerKey, fairness: fairness ?? 'fifo', rateLimit: rate };
}

/** Whether the policy decides anything by key: such a kind's tasks are grouped by their key ('' for none). */
export function goesByKey(policy: FlowPolicy | undefined): boolean {
  if (!policy) return false;
  return (
    policy.concurrencyPerKey !== undefined || policy.fairness === 'key' || policy.rateLimit?.scope === 'key'
  );
}

/** The key stored for a task of a kind whose limits go by key, when its enqueue gave none. */
export const NO_KEY = '';

/**
 * The scope under which a rate-limited start is counted. Task names cannot contain `#`
 * (background-task.decorator.ts), so `name#key` never collides with another name.
 */
export function rateScope(name: string, key: string | undefined): string {
  return key === undefined ? name : `${name}#${key}`;
}
