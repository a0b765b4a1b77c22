import type { FlowPolicy } from './flow-policy.js';

/** A waiting task a flow-controlled claim may take, as the candidate query reads it. */
export interface ClaimCandidate {
  readonly id: string;
  /** Its concurrency key; NO_KEY ('') for every task of a kind whose limits do not go by key. */
  readonly key: string;
  readonly priority: number;
  readonly runAfterMs: number;
  /** The creation order (the id on PostgreSQL and SQLite, id_order on SQL Server). */
  readonly order: string;
}

/** What a claim of one task name knows, read under that name's lock, before it chooses. */
export interface FlowState {
  readonly policy: FlowPolicy;
  /** How many tasks the claiming worker can start now (its free slots). */
  readonly limit: number;
  /** How many more it may claim ahead of its slots, to wait in its buffer. */
  readonly prefetch: number;
  /** Tasks of this name processing now, by key (NO_KEY for unkeyed ones). */
  readonly runningByKey: ReadonlyMap<string, number>;
  /** Starts within the rate window: of the whole name, and by key (for a limit counted per key). */
  readonly recentStarts: { readonly name: number; readonly byKey: ReadonlyMap<string, number> };
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/**
 * How many of a concurrency limit's free places one claim may take: all it can start now, and of the
 * places beyond those, half at most. A claimed task is `processing` and holds its place while it waits in
 * the buffer, so a worker that claims ahead never takes the last places of a limit from a worker that
 * could start them now (a worker with no free slot takes no last place at all).
 */
export function placesToTake(places: number, startableNow: number): number {
  if (places <= startableNow) return Math.max(0, places);
  return startableNow + Math.floor((places - startableNow) / 2);
}

/** How many tasks of the name this claim may take at most: the worker's room within every name-wide limit. */
export function nameRoom(state: FlowState): number {
  const { policy, limit, prefetch, runningByKey, recentStarts } = state;
  let room = limit + prefetch;
  if (policy.concurrency !== undefined) {
    room = Math.min(room, placesToTake(policy.concurrency - sum(runningByKey.values()), limit));
  }
  if (policy.rateLimit?.scope === 'name') room = Math.min(room, policy.rateLimit.max - recentStarts.name);
  return Math.max(0, room);
}

/** How many tasks of one key this claim may take at most, by the per-key limits alone. */
export function keyRoom(state: FlowState, key: string): number {
  const { policy, limit, runningByKey, recentStarts } = state;
  let room = Number.POSITIVE_INFINITY;
  if (policy.concurrencyPerKey !== undefined) {
    room = Math.min(room, placesToTake(policy.concurrencyPerKey - (runningByKey.get(key) ?? 0), limit));
  }
  if (policy.rateLimit?.scope === 'key') {
    room = Math.min(room, policy.rateLimit.max - (recentStarts.byKey.get(key) ?? 0));
  }
  return Math.max(0, room);
}

/** Queue order: higher priority first, then earlier runAfter, then creation order. */
export function candidateOrder(a: ClaimCandidate, b: ClaimCandidate): number {
  return (
    b.priority - a.priority ||
    a.runAfterMs - b.runAfterMs ||
    (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)
  );
}

export interface Selection {
  /** The tasks to claim, in the order they were chosen. */
  readonly ids: readonly string[];
  /** The key of the last task chosen: a fair claim's next round starts after it. */
  readonly lastKey: string | undefined;
}

/**
 * Chooses which candidates a claim takes, given the limits and what runs (pure, so that its rules are
 * checked exhaustively without a database: claim-selection.spec.ts).
 *
 * `groups` holds the candidates of each key, each in queue order; the groups are in the order a fair claim
 * visits keys (starting after the key the last round ended on).
 *
 * Rules, whatever the input:
 * - never more than nameRoom in all, nor more than keyRoom of one key;
 * - `fifo`: the chosen tasks are the first in queue order whose key still has room (a key at its limit is
 *   passed over, it does not hold back the tasks behind it);
 * - `key`: round-robin: the n-th task of a key is chosen only after the (n-1)-th of every key that has
 *   one and room for it; so the counts chosen per key differ by at most one, except for keys that ran out
 *   of candidates or room;
 * - work-conserving: fewer than nameRoom are chosen only when no candidate left has room.
 */
export function selectClaims(state: FlowState, groups: readonly (readonly ClaimCandidate[])[]): Selection {
  let left = nameRoom(state);
  const taken = new Map<string, number>();
  const ids: string[] = [];
  let lastKey: string | undefined;
  const take = (candidate: ClaimCandidate): boolean => {
    const count = taken.get(candidate.key) ?? 0;
    if (count >= keyRoom(state, candidate.key)) return false;
    taken.set(candidate.key, count + 1);
    ids.push(candidate.id);
    lastKey = candidate.key;
    left--;
    return true;
  };
  if (state.policy.fairness === 'fifo') {
    const inOrder = groups.flat().sort(candidateOrder);
    for (const candidate of inOrder) {
      if (left === 0) break;
      take(candidate);
    }
    return { ids, lastKey };
  }
  // Rank by rank: the first candidate of every key, then the second of every key, …; a key whose room is
  // used up drops out, as does one without more candidates.
  let active = groups.filter((group) => group.length > 0).map((group) => ({ group, next: 0 }));
  while (left > 0 && active.length > 0) {
    active = active.filter((entry) => {
      if (left === 0) return false;
      const candidate = entry.group[entry.next++];
      return take(candidate) && entry.next < entry.group.length;
    });
  }
  return { ids, lastKey };
}
