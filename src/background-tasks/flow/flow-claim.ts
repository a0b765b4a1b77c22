import type { ClaimedTask, LeaseRequest } from '../model/task-records.js';
import { keyRoom, nameRoom, selectClaims, type ClaimCandidate, type FlowState } from './claim-selection.js';
import { goesByKey, NO_KEY, rateScope, type FlowPolicy } from './flow-policy.js';

/** The most tasks one flow-controlled claim takes: each round reads a few candidates per key it visits. */
export const FLOW_CLAIM_MAX = 100;
/** The most keys one round visits; with more keys waiting, the next round goes on where this one stopped. */
export const KEYS_PER_ROUND = 100;

/** A claim of one flow-controlled task name. */
export interface FlowClaimRequest extends LeaseRequest {
  readonly name: string;
  readonly policy: FlowPolicy;
  readonly limit: number;
  /**
   * The time rate windows are measured at. Undefined (always, in the application): the database's clock,
   * read after the name's lock was granted, so that the claims of one name read increasing times. A test
   * sets it to step a rate window without waiting for it.
   */
  readonly at?: Date;
}

/** The name's row in background_task_queues, read as the claim locks it. */
export interface QueueLock {
  readonly paused: boolean;
  /** The key the last fair round ended on. */
  readonly fairCursor: string | null;
  /** The database's time, read after the lock was granted. */
  readonly now: Date;
}

type Awaitable<T> = T | Promise<T>;

/**
 * The statements of one flow-controlled claim, one implementation per engine, all inside one transaction
 * that `lock` opens the critical section of. Every method after `lock` runs while the name's row is locked,
 * so no other claim of the name changes what they read before this transaction commits; an ending or a
 * lease recovery may meanwhile take a task out of `processing`, which only leaves room unused until the
 * next round, never admits one too many.
 */
export interface FlowClaimSteps {
  /** Locks the name's row of background_task_queues (creating it when missing) and reads it. */
  lock(name: string): Awaitable<QueueLock>;
  /** Tasks of the name processing now, by key (NO_KEY for those without one). */
  running(name: string): Awaitable<Map<string, number>>;
  /** Up to `count` keys of the name's waiting tasks, ascending, after `after` (from the first when null). */
  keys(name: string, after: string | null, count: number): Awaitable<string[]>;
  /** Rate-window starts by scope, counting those after `since`. */
  startsSince(scopes: readonly string[], since: Date): Awaitable<Map<string, number>>;
  /** Due waiting tasks of the name in queue order: up to `take` of each key given, or of any key. */
  candidates(
    name: string,
    takes: readonly { readonly key: string; readonly take: number }[] | { readonly any: number },
  ): Awaitable<ClaimCandidate[]>;
  /** Leases those of the given tasks that still wait; returns them. */
  claim(ids: readonly string[], lease: LeaseRequest): Awaitable<ClaimedTask[]>;
  /** Records one start per scope listed at time `at`, and deletes the name's starts at or before `before`. */
  recordStarts(name: string, scopes: readonly string[], at: Date, before: Date): Awaitable<void>;
  saveCursor(name: string, key: string): Awaitable<void>;
}

/** One call into FlowClaimSteps, as the claim below yields it to the engine's driver. */
export type FlowStepCall = (steps: FlowClaimSteps) => unknown;

/** Runs one step: yields the call to the driver, which answers with its (awaited) result. */
function* step<T>(call: (steps: FlowClaimSteps) => T): Generator<FlowStepCall, Awaited<T>, unknown> {
  return (yield call) as Awaited<T>;
}

/**
 * One flow-controlled claim, as a generator of steps: SQLite drives it synchronously (runFlowClaimSync),
 * inside one write transaction that no other statement of the process can interleave with; the server
 * engines drive it with awaits on one transaction's connection (runFlowClaim). The decisions are
 * claim-selection.ts's pure functions.
 *
 * 1. Lock the name; a paused name claims nothing.
 * 2. Count what runs (by key) and, for a rate limit by name, the starts in the window: the room left.
 * 3. By key: visit up to KEYS_PER_ROUND keys with waiting tasks, starting after the fair cursor and
 *    wrapping around; read their starts in the window (a rate limit by key) and up to their room of
 *    candidates each. Otherwise: up to the room of candidates in queue order.
 * 4. Choose (selectClaims), lease, record the starts of a rate-limited name, move the fair cursor.
 */
export function* flowClaim(request: FlowClaimRequest): Generator<FlowStepCall, ClaimedTask[], unknown> {
  const { name, policy } = request;
  const limit = Math.min(request.limit, FLOW_CLAIM_MAX);
  const lock = yield* step((s) => s.lock(name));
  if (lock.paused || limit <= 0) return [];
  const at = request.at ?? lock.now;
  const rate = policy.rateLimit;
  const since = new Date(at.getTime() - (rate?.perMs ?? 0));
  const runningByKey = yield* step((s) => s.running(name));
  const startsOfName =
    rate?.scope === 'name' ? ((yield* step((s) => s.startsSince([name], since))).get(name) ?? 0) : 0;
  let state: FlowState = {
    policy,
    limit,
    runningByKey,
    recentStarts: { name: startsOfName, byKey: new Map() },
  };
  const room = nameRoom(state);
  if (room === 0) return [];

  let groups: ClaimCandidate[][];
  if (!goesByKey(policy)) {
    groups = [yield* step((s) => s.candidates(name, { any: room }))];
  } else {
    const keys = yield* step((s) => s.keys(name, lock.fairCursor, KEYS_PER_ROUND));
    if (lock.fairCursor !== null && keys.length < KEYS_PER_ROUND) {
      const wrapped = yield* step((s) => s.keys(name, null, KEYS_PER_ROUND - keys.length));
      keys.push(...wrapped.filter((key) => key <= lock.fairCursor!));
    }
    if (rate?.scope === 'key') {
      const starts = yield* step((s) =>
        s.startsSince(
          keys.map((key) => rateScope(name, key)),
          since,
        ),
      );
      const byKey = new Map(keys.map((key) => [key, starts.get(rateScope(name, key)) ?? 0]));
      state = { ...state, recentStarts: { name: startsOfName, byKey } };
    }
    const takes = keys
      .map((key) => ({ key, take: Math.min(room, keyRoom(state, key)) }))
      .filter(({ take }) => take > 0);
    const candidates = takes.length === 0 ? [] : yield* step((s) => s.candidates(name, takes));
    const byKey = new Map(takes.map(({ key }) => [key, [] as ClaimCandidate[]]));
    for (const candidate of candidates) byKey.get(candidate.key)?.push(candidate);
    groups = [...byKey.values()];
  }

  const selection = selectClaims(state, groups);
  if (selection.ids.length === 0) return [];
  const claimed = yield* step((s) => s.claim(selection.ids, request));
  if (rate && claimed.length > 0) {
    const keyOf = new Map(groups.flat().map((candidate) => [candidate.id, candidate.key]));
    const scopes = claimed.map((task) =>
      rateScope(name, rate.scope === 'key' ? (keyOf.get(task.id) ?? NO_KEY) : undefined),
    );
    yield* step((s) => s.recordStarts(name, scopes, at, since));
  }
  if (goesByKey(policy) && selection.lastKey !== undefined) {
    const lastKey = selection.lastKey;
    yield* step((s) => s.saveCursor(name, lastKey));
  }
  return claimed;
}

/** Drives a flow claim whose steps answer synchronously (SQLite, inside one transaction). */
export function runFlowClaimSync(request: FlowClaimRequest, steps: FlowClaimSteps): ClaimedTask[] {
  const claim = flowClaim(request);
  let next = claim.next();
  while (!next.done) {
    const answer = next.value(steps);
    if (answer instanceof Promise) throw new Error('A synchronous flow claim step returned a promise');
    next = claim.next(answer);
  }
  return next.value;
}

/** Drives a flow claim whose steps answer with promises (one transaction's connection). */
export async function runFlowClaim(request: FlowClaimRequest, steps: FlowClaimSteps): Promise<ClaimedTask[]> {
  const claim = flowClaim(request);
  let next = claim.next();
  while (!next.done) next = claim.next(await next.value(steps));
  return next.value;
}
