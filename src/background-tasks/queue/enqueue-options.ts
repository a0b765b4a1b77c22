import type { EntityManager } from 'typeorm';

export interface EnqueueOptions<TExecutionMetadata = unknown> {
  /** The first checkpoint, which the first run sees as `executionMetadata`. */
  readonly executionMetadata?: TExecutionMetadata;
  /** Do not start before this time. Default: now. */
  readonly runAt?: Date;
  /** Higher runs first; integer, default 0. */
  readonly priority?: number;
  /** Most runs of the task, retries included. Default: the task's maxRetryCount (or MaxRetryCount) + 1. */
  readonly maxAttempts?: number;
  /**
   * Enqueueing twice with one key creates one task: the second call returns the first task's id, also when
   * the two calls race. Keys are kept until retention deletes the task.
   */
  readonly idempotencyKey?: string;
  /**
   * The flow-control key (1-200 characters), for a kind that declares `concurrencyPerKey`, `fairness:
   * 'key'` or a rate limit by key: tasks of one key share its limits (README "Flow control"). Tasks of
   * such a kind enqueued without one share the key ''. Stored, without effect, for other kinds.
   */
  readonly concurrencyKey?: string;
  /** The user on whose behalf the task runs; they may see it and download what it produces. */
  readonly createdBy?: string;
  /** Insert within this manager's transaction: the task exists if and only if the caller's work commits. */
  readonly manager?: EntityManager;
}
