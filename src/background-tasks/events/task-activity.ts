import { Injectable } from '@nestjs/common';
import type { RunEnding } from '../model/task-records.js';

/** A run this process claimed and then stored the ending of. */
export interface EndedRun {
  readonly id: string;
  readonly name: string;
  readonly ending: RunEnding['kind'];
  /** From the claim to the stored ending, as this process measured it. */
  readonly runMs: number;
  /** This run's attempt number and the task's budget. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** False when the lease had moved to another worker and nothing was written. */
  readonly held: boolean;
}

export type TaskActivityEvent =
  /** Tasks of one kind this process added to the queue, once committed (a rolled-back enqueue never is). */
  | { readonly kind: 'enqueued'; readonly name: string; readonly count: number }
  | {
      readonly kind: 'claimed';
      readonly tasks: readonly {
        readonly id: string;
        readonly name: string;
        readonly attempt: number;
        /** From when the task was due to its claim. */
        readonly waitMs: number;
      }[];
      /** How long the claim statement took; absent for a task handed to the worker at its enqueue. */
      readonly durationMs?: number;
    }
  | { readonly kind: 'ended'; readonly runs: readonly EndedRun[] }
  /** An enqueued or suspended task cancelled by a request (it never reached a worker's ending). */
  | { readonly kind: 'cancelled-waiting'; readonly id: string }
  /** Tasks whose lease expired (their worker crashed) were put back in the queue or failed. */
  | { readonly kind: 'leases-recovered'; readonly count: number };

export type TaskActivityListener = (event: TaskActivityEvent) => void;

/**
 * What this process did to the queue, as typed events: the inserts, claim rounds and endings it wrote.
 * TaskChanges says *which* tasks changed; this says *what happened*, which metrics and logs need without
 * reading rows back. Fed by BackgroundTaskQueue (enqueues) and observeTaskStore() (the worker's writes);
 * listeners are called synchronously and must not throw.
 */
@Injectable()
export class TaskActivity {
  private readonly listeners = new Set<TaskActivityListener>();

  subscribe(listener: TaskActivityListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: TaskActivityEvent): void {
    for (const listener of this.listeners) listener(event);
  }
}
