import { Injectable, Logger } from '@nestjs/common';
import type { BulkAction, RunEnding } from '../model/task-records.js';

/** Which task an event is about. */
export interface TaskRef {
  readonly id: string;
  readonly name: string;
}

/** A task a worker of this process leased, by a claim round or at its enqueue (the hand-over). */
export interface ClaimedRun extends TaskRef {
  /** This run's attempt number and the task's budget. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** From when the task was due to its claim. */
  readonly waitMs: number;
}

/** A run whose ending this process stored (its lease was still held). */
export interface EndedRun extends TaskRef {
  readonly ending: Exclude<RunEnding['kind'], 'released'>;
  /** From the claim to the stored ending, as this process measured it. */
  readonly runMs: number;
  readonly attempt: number;
  readonly maxAttempts: number;
}

/** A leased task given back unfinished (a shutdown, or a prefetched task whose hold time ran out). */
export interface ReleasedRun extends TaskRef {
  readonly runMs: number;
  readonly attempt: number;
  readonly maxAttempts: number;
}

/**
 * What happened to tasks, as this process wrote it, emitted where the write happened once it is stored
 * (committed, for a write inside a caller's transaction). Writes that found the state changed (a fenced
 * ending, a cancel that lost a race) changed nothing and emit nothing.
 *
 * - `enqueued`: tasks of one kind inserted (an idempotency key that matched an existing task adds none).
 * - `claimed`: tasks leased to this process's worker; `claimMs` is the claim statement's duration, absent
 *   for a task handed over at its enqueue.
 * - `progressed` / `checkpointed`: a running task's progress, or checkpoint and progress, written.
 * - `ended`: endings stored (completed, failed for good, retrying later, cancelled, suspended).
 * - `released`: leased tasks given back to the queue unstarted or at shutdown.
 * - `cancel-requested`: a request to cancel; `ended` when the task was waiting and is now cancelled,
 *   otherwise its worker stops it at its next lease renewal.
 * - `resumed` / `retried`: a suspended task back in the queue; a failed or cancelled one with fresh attempts.
 * - `leases-recovered` / `due-resumed`: the sweeps, which change rows by condition, not by id (counts only).
 * - `queue-paused` / `queue-resumed`: an admin paused or resumed a task name (no task row changed).
 * - `bulk-changed`: one batch of a bulk operation retried, cancelled or deleted these tasks (of `name`, or
 *   of any name when null).
 */
export type TaskEvent =
  | { readonly kind: 'enqueued'; readonly name: string; readonly ids: readonly string[] }
  | { readonly kind: 'claimed'; readonly runs: readonly ClaimedRun[]; readonly claimMs?: number }
  | { readonly kind: 'progressed'; readonly task: TaskRef }
  | { readonly kind: 'checkpointed'; readonly task: TaskRef }
  | { readonly kind: 'ended'; readonly runs: readonly EndedRun[] }
  | { readonly kind: 'released'; readonly runs: readonly ReleasedRun[] }
  | { readonly kind: 'cancel-requested'; readonly task: TaskRef; readonly ended: boolean }
  | { readonly kind: 'resumed'; readonly task: TaskRef }
  | { readonly kind: 'retried'; readonly task: TaskRef }
  | { readonly kind: 'leases-recovered'; readonly count: number }
  | { readonly kind: 'due-resumed'; readonly count: number }
  | { readonly kind: 'queue-paused' | 'queue-resumed'; readonly name: string; readonly by: string }
  | {
      readonly kind: 'bulk-changed';
      readonly action: BulkAction;
      readonly name: string | null;
      readonly ids: readonly string[];
    };

export type TaskEventListener = (event: TaskEvent) => void;

/** The ids of the tasks an event changed; none for the sweeps, which report counts. */
export function changedTaskIds(event: TaskEvent): readonly string[] {
  switch (event.kind) {
    case 'enqueued':
    case 'bulk-changed':
      return event.ids;
    case 'claimed':
    case 'ended':
    case 'released':
      return event.runs.map((run) => run.id);
    case 'progressed':
    case 'checkpointed':
    case 'cancel-requested':
    case 'resumed':
    case 'retried':
      return [event.task.id];
    case 'leases-recovered':
    case 'due-resumed':
    case 'queue-paused':
    case 'queue-resumed':
      return [];
  }
}

/**
 * The task module's one event stream: every write that changes a task emits here, and metrics, the
 * lifecycle log, the live views and the PostgreSQL relay to other processes subscribe. Listeners are
 * called synchronously, in the writer's turn of the event loop, so they must be quick: a worker emits for
 * thousands of tasks a second. One that throws is logged and skipped: the write it reports has happened,
 * and neither the writer nor the other listeners should pay for a subscriber's bug.
 */
@Injectable()
export class TaskEvents {
  private readonly logger = new Logger(TaskEvents.name);
  private readonly listeners = new Set<TaskEventListener>();

  /** Starts listening; call the returned function to stop. */
  subscribe(listener: TaskEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TaskEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`A subscriber to task events threw on '${event.kind}': ${String(error)}`);
      }
    }
  }
}
