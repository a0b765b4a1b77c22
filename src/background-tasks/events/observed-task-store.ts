import type { ClaimedTask } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import type { TaskActivity } from './task-activity.js';

/** Runs whose claim this process made, kept until their ending is stored. */
interface ClaimedRun {
  readonly name: string;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly claimedAt: number;
}

/** Runs that never store an ending (a lost lease) would otherwise stay forever. */
const MAX_TRACKED_RUNS = 50_000;

/**
 * Reports the queue writes of `store` to `activity`, at the store's boundary: the worker and the queue call
 * the store as before and know nothing of it. Only outcomes are added (names, durations); no statement is
 * added or changed. Returns the same store object, with `claim`, `enqueueClaimed`, `finish`,
 * `cancelWaiting` and `recoverExpiredLeases` wrapped. (Enqueues are reported by BackgroundTaskQueue, which
 * knows when they commit.)
 */
export function observeTaskStore(store: TaskStore, activity: TaskActivity): TaskStore {
  const runs = new Map<string, ClaimedRun>();

  const recordClaims = (claimed: readonly ClaimedTask[], claimedAt: number, durationMs?: number) => {
    for (const task of claimed) {
      if (runs.size >= MAX_TRACKED_RUNS) runs.delete(runs.keys().next().value as string);
      runs.set(task.id, {
        name: task.name,
        attempt: task.attempts,
        maxAttempts: task.maxAttempts,
        claimedAt,
      });
    }
    activity.emit({
      kind: 'claimed',
      tasks: claimed.map(({ id, name, attempts, runAfter, claimedAt: at }) => ({
        id,
        name,
        attempt: attempts,
        waitMs: Math.max(0, at.getTime() - runAfter.getTime()),
      })),
      durationMs,
    });
  };

  const claim = store.claim.bind(store);
  store.claim = async (request) => {
    const started = performance.now();
    const claimed = await claim(request);
    const claimedAt = performance.now();
    recordClaims(claimed, claimedAt, claimedAt - started);
    return claimed;
  };

  const enqueueClaimed = store.enqueueClaimed.bind(store);
  store.enqueueClaimed = async (task, lease) => {
    const result = await enqueueClaimed(task, lease);
    if (result.claimed) recordClaims([result.claimed], performance.now());
    return result;
  };

  const finish = store.finish.bind(store);
  store.finish = async (finished) => {
    const held = await finish(finished);
    const now = performance.now();
    const ended = finished.flatMap(({ id, ending }) => {
      const run = runs.get(id);
      runs.delete(id);
      if (!run) return [];
      const { name, attempt, maxAttempts, claimedAt } = run;
      return [
        { id, name, ending: ending.kind, runMs: now - claimedAt, attempt, maxAttempts, held: held.has(id) },
      ];
    });
    if (ended.length > 0) activity.emit({ kind: 'ended', runs: ended });
    return held;
  };

  const cancelWaiting = store.cancelWaiting.bind(store);
  store.cancelWaiting = async (id, error) => {
    const cancelled = await cancelWaiting(id, error);
    if (cancelled) activity.emit({ kind: 'cancelled-waiting', id });
    return cancelled;
  };

  const recoverExpiredLeases = store.recoverExpiredLeases.bind(store);
  store.recoverExpiredLeases = async () => {
    const count = await recoverExpiredLeases();
    if (count > 0) activity.emit({ kind: 'leases-recovered', count });
    return count;
  };

  return store;
}
