import type { ClaimedTask, LeaseRequest } from '../model/task-records.js';
import { keyRoom, nameRoom, selectClaims, type ClaimCandidate, type FlowState } from './claim-selection.js';
import { goesByKey, NO_KEY, rateScope, type FlowPolicy } from './flow-policy.js';

/** The most tasks one flow-controlled claim takes (as BatchSize's default maximum). */
export const FLOW_CLAIM_MAX = 1_000;
/** The most keys one round visits; with more keys waiting, the next round goes on where this one stopped. */
export const KEYS_PER_ROUND = 100;

/** A claim of one flow-controlled task name. */
export interface FlowClaimRequest extends LeaseRequest {
  readonly name: string;
  readonly policy: FlowPolicy;
  /** How many tasks the worker can start now (its free slots). */
  readonly limit: number;
  /** How many more it may claim ahead, to wait in its buffer (FlowState.prefetch; 0 by default). */
  readonly prefetch?: number;
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
  const prefetch = Math.min(request.prefetch ?? 0, FLOW_CLAIM_MAX - limit);
  const lock = yield* step((s) => s.lock(name));
  if (lock.paused || limit + prefetch <= 0) return [];
  const at = request.at ?? lock.now;
  const rate = policy.rateLimit;
  const since = new Date(at.getTime() - (rate?.perMs ?? 0));
  const runningByKey = yield* step((s) => s.running(name));
  const startsOfName =
    rate?.scope === 'name' ? ((yield* step((s) => s.startsSince([name], since))).get(name) ?? 0) : 0;
  let state: FlowState = {
    policy,
    limit,
    prefetch,
    runningByKey,
    recentStarts: { name: startsOfName, byKey: new Map() },
  };
  const room = nameRoom(state);
  if (room === 0) return [];

  let groups: ClaimCandidate[][] = [];
  /** The keys this round visited, in order (by key only). */
  const visitedKeys: string[] = [];
  if (!goesByKey(policy)) {
    groups = [yield* step((s) => s.candidates(name, { any: room }))];
  } else {
    const keys = yield* step((s) => s.keys(name, lock.fairCursor, KEYS_PER_ROUND));
    visitedKeys.push(...keys); // the wrapped-around ones are added below
    if (lock.fairCursor !== null && keys.length < KEYS_PER_ROUND) {
      const wrapped = yield* step((s) => s.keys(name, null, KEYS_PER_ROUND - keys.length));
      // Compared as a set, not as strings: the database orders keys by its collation, not as JavaScript does.
      const visited = new Set(keys);
      const more = wrapped.filter((key) => !visited.has(key));
      keys.push(...more);
      visitedKeys.push(...more);
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
    // Each key's candidates, read a share at a time: a fair share of the room first (twice that, so that
    // keys with few tasks leave theirs to the others), and more of a key only while every one read of it
    // was chosen. The choice is then the one that reading every candidate would give, without reading up
    // to `room` rows of each of a hundred keys.
    const most = new Map(keys.map((key) => [key, Math.min(room, keyRoom(state, key))]));
    const read = new Map<string, ClaimCandidate[]>();
    let want = new Map(
      keys.map((key) => [key, Math.min(most.get(key)!, Math.max(8, Math.ceil((2 * room) / keys.length)))]),
    );
    for (;;) {
      const takes = [...want].filter(([, take]) => take > 0).map(([key, take]) => ({ key, take }));
      if (takes.length === 0) break;
      const candidates = yield* step((s) => s.candidates(name, takes));
      for (const { key } of takes) read.set(key, []);
      for (const candidate of candidates) read.get(candidate.key)?.push(candidate);
      groups = keys.flatMap((key) => (read.has(key) ? [read.get(key)!] : []));
      const chosen = new Set(selectClaims(state, groups).ids);
      const next = new Map<string, number>();
      for (const { key, take } of takes) {
        const group = read.get(key)!;
        const moreToRead = group.length >= take && take < most.get(key)!; // SQL Server reads one TOP for all
        if (moreToRead && group.every((candidate) => chosen.has(candidate.id))) {
          next.set(key, Math.min(most.get(key)!, take * 4));
        }
      }
      want = next;
    }
  }

  const selection = selectClaims(state, groups);
  // The next round of a keyed name starts after the last key served, or after the last one visited when
  // none was (all at their limits, or with nothing due): so that the keys beyond are visited too.
  const lastVisited = selection.lastKey ?? visitedKeys.at(-1);
  if (lastVisited !== undefined) yield* step((s) => s.saveCursor(name, lastVisited));
  if (selection.ids.length === 0) return [];
  const claimed = yield* step((s) => s.claim(selection.ids, request));
  if (rate && claimed.length > 0) {
    const keyOf = new Map(groups.flat().map((candidate) => [candidate.id, candidate.key]));
    const scopes = claimed.map((task) =>
      rateScope(name, rate.scope === 'key' ? (keyOf.get(task.id) ?? NO_KEY) : undefined),
    );
    yield* step((s) => s.recordStarts(name, scopes, at, since));
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
