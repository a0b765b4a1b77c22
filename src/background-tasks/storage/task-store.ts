import type { OnApplicationShutdown } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { DatabaseEngine } from '../../database/database-url.js';
import type {
  BackgroundTaskRecord,
  BulkTaskSelection,
  ClaimedEnqueueResult,
  ClaimedTask,
  ClaimRequest,
  EnqueueResult,
  FinishedRun,
  LeaseRenewal,
  LeaseRequest,
  NewTaskBatch,
  NewTaskRow,
  TaskCount,
  TaskEndings,
  OldestDueTask,
  TaskListQuery,
  TaskProgress,
  TaskQueueState,
  TaskViewRecord,
  WorkerHeartbeat,
  WorkerRecord,
} from '../model/task-records.js';
import type { FlowClaimRequest } from '../flow/flow-claim.js';
import type { BulkQueries } from './bulk-sql.js';

export interface BulkWindow {
  readonly matching: string[];
  readonly last: string | null;
}

export interface ActiveTaskCounts {
  readonly enqueued: number;
  readonly processing: number;
  readonly suspended: number;
}

/** The most ids one findViews statement takes. */
export const MAX_VIEW_READ = 500;

/**
 * A worker not seen for its lease duration is shown as gone; its row is deleted once it has not been seen
 * for this many lease durations.
 */
export const GONE_WORKER_KEPT_LEASES = 10;

/**
 * Every statement the queue issues, one implementation per engine. Each implementation keeps its SQL in one
 * file, with the reason each statement is safe under concurrency written beside it.
 *
 * Writes about a running task take its lease owner and match on it (`WHERE id = … AND lease_owner = …`):
 * they return false, or leave the id out of their result, when the lease has moved on. The owner alone is
 * the fence: a claim sets it, and every statement that moves a task out of `processing` clears it, so a
 * row has a lease owner exactly while it is processing.
 */
export abstract class TaskStore implements OnApplicationShutdown {
  abstract readonly engine: DatabaseEngine;
  /** Whether enqueueClaimed can lease the task it inserts (otherwise it only enqueues). */
  readonly handsOver: boolean = false;

  /**
   * Inserts a task, or returns the id of the task that already holds its idempotency key. With a manager,
   * the insert joins the manager's transaction and commits or rolls back with it.
   */
  abstract enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult>;

  /**
   * Inserts a task as `enqueue` does (outside any caller's transaction), and in the same statement leases it
   * to the requesting worker, unless a due task that worker could run waits ahead of it (equal or higher
   * priority): a task enqueued in a process whose worker has a free slot then starts without a claim round
   * (the round trip that made up half of an idle queue's pickup latency). `claimed` is undefined when the
   * task went to the queue as usual, or when its idempotency key matched an existing task.
   *
   * This default only enqueues (`handsOver` is false); the PostgreSQL and SQLite stores hand over.
   */
  async enqueueClaimed(task: NewTaskRow, _lease: LeaseRequest): Promise<ClaimedEnqueueResult> {
    return this.enqueue(task);
  }

  /**
   * Inserts a batch of tasks in one statement (they carry no idempotency keys). With a manager, inside the
   * manager's transaction.
   */
  abstract enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void>;

  /**
   * Takes up to `limit` due tasks, in priority then run-after order, and leases them to `leaseOwner`.
   * Names that are paused are left out.
   */
  abstract claim(request: ClaimRequest): Promise<ClaimedTask[]>;

  /**
   * Claims tasks of one flow-controlled name (flow/flow-claim.ts): within its limits, counted under the
   * name's lock so that concurrent claimers never admit one too many, in fair order when it asks for it.
   */
  abstract claimFlow(request: FlowClaimRequest): Promise<ClaimedTask[]>;

  /**
   * Gives the key NO_KEY to the waiting tasks of a name that have none (enqueued before their kind went by
   * key, or by an instance that predates flow control), so that its keyed claim sees them. Returns how many.
   */
  abstract adoptUnkeyedTasks(name: string): Promise<number>;

  /** Pauses or resumes claiming a task name (`by` is who paused it). A resume announces the name's tasks. */
  abstract setPaused(name: string, paused: boolean, by: string | null): Promise<void>;

  /** Every task name (or the one named) that has a row in background_task_queues (paused, or claimed under flow control). */
  abstract queueStates(name?: string): Promise<TaskQueueState[]>;

  /**
   * Tasks by name and status, of one name or of all (finished ones included: it reads every row of the
   * table, which no index orders by name and status).
   */
  abstract countsByName(name?: string): Promise<TaskCount[]>;

  /**
   * The tasks that completed or failed after `since`, counted by minute and status (through the index of
   * finished rows by completed_at: an hour of endings, however large the table).
   */
  abstract endingsPerMinute(since: Date): Promise<TaskEndings[]>;

  /** The enqueued task due the longest (run_after at or before `now`), if any. */
  abstract oldestDue(now: Date): Promise<OldestDueTask | undefined>;

  /**
   * Returns every running task the given owners still hold, with its cancellation flag, and extends to
   * `leaseDurationMs` from now the leases among them that expire within `renewWithinMs` (a store may extend
   * more).
   */
  abstract renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]>;

  /**
   * Returns tasks whose lease expired (their worker crashed or stalled) to the queue, or fails them when that
   * was their last attempt. Returns how many rows changed.
   */
  abstract recoverExpiredLeases(): Promise<number>;

  /** Returns suspended tasks whose resume time has come to the queue. Returns how many. */
  abstract resumeDueTasks(): Promise<number>;

  /** Records progress of a running task; false when the lease is no longer held. */
  abstract saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean>;

  /**
   * Persists a running task's execution metadata (JSON text, see encodeTaskJson) with its progress; false
   * when the lease is no longer held. With a manager, the write joins the manager's transaction: the
   * checkpoint commits with the work it records.
   */
  abstract checkpoint(
    id: string,
    leaseOwner: string,
    executionMetadataJson: string,
    progress: TaskProgress,
    manager?: EntityManager,
  ): Promise<boolean>;

  /** Applies the endings of several runs in one round trip; returns the ids whose lease was still held. */
  abstract finish(runs: readonly FinishedRun[]): Promise<Set<string>>;

  /** Cancels an enqueued or suspended task; false when it is in any other state. */
  abstract cancelWaiting(id: string, error: unknown): Promise<boolean>;

  /** Asks the worker running a task to cancel it; false when the task is not processing. */
  abstract requestCancellation(id: string): Promise<boolean>;

  /**
   * Returns a suspended task to the queue, replacing its execution metadata unless undefined; false when it
   * is not suspended.
   */
  abstract resume(id: string, executionMetadata: unknown): Promise<boolean>;

  /** Returns a failed or cancelled task to the queue with a fresh budget of attempts; false in any other state. */
  abstract retry(id: string): Promise<boolean>;

  abstract findById(id: string): Promise<BackgroundTaskRecord | undefined>;

  /**
   * The view columns of the tasks with these ids (at most MAX_VIEW_READ), in one statement, in no
   * particular order; ids of tasks that no longer exist are left out. Live views read through this.
   */
  abstract findViews(ids: readonly string[]): Promise<TaskViewRecord[]>;

  /** How many tasks wait, run, or are suspended: each count served by its partial index, whatever the table size. */
  abstract activeCounts(): Promise<ActiveTaskCounts>;

  /** A page of tasks, newest first. */
  abstract list(query: TaskListQuery): Promise<BackgroundTaskRecord[]>;

  /** Deletes up to `limit` finished tasks completed before the given time, oldest first; returns their ids. */
  abstract deleteFinished(completedBefore: Date, limit: number): Promise<string[]>;

  /** The database's clock now (every worker's common time, which the statements stamp rows with). */
  abstract databaseTime(): Promise<Date>;

  /**
   * A SQL store's bulk statements (storage/bulk-sql.ts), which serve the three methods below; a store
   * without SQL (the tests' in-memory one) overrides those instead.
   */
  protected readonly bulk?: BulkQueries;

  private bulkQueries(): BulkQueries {
    if (!this.bulk) throw new Error(`${this.constructor.name} has no bulk statements`);
    return this.bulk;
  }

  /** How many tasks a bulk operation's selection matches now. */
  countBulk(selection: BulkTaskSelection): Promise<number> {
    return this.bulkQueries().count(selection);
  }

  /**
   * A bulk operation's cursor: the next `size` tasks after the task `after` (null: from the first) in
   * creation order, of any kind; `matching` are the ids among them the selection matches, `last` the last
   * id read (null when none was left: the operation has visited every row).
   */
  scanBulkWindow(selection: BulkTaskSelection, after: string | null, size: number): Promise<BulkWindow> {
    return this.bulkQueries().window(selection, after, size);
  }

  /**
   * Applies the selection's action to those of `ids` (at most MAX_VIEW_READ) that still match it, in one
   * statement; returns the ids it changed (for a delete, the ids whose files are to go). A cancel stores
   * `error` as the task's error.
   */
  applyBulk(selection: BulkTaskSelection, ids: readonly string[], error: unknown): Promise<string[]> {
    return this.bulkQueries().apply(selection, ids, error);
  }

  /** Writes a worker's heartbeat: inserts its row, or replaces it, stamped with the database's time. */
  abstract reportWorker(heartbeat: WorkerHeartbeat): Promise<void>;

  /** Deletes a worker's row (it stopped cleanly). */
  abstract forgetWorker(id: string): Promise<void>;

  /** Every worker's row, with the database's time of the read, in host and pid order. */
  abstract workers(): Promise<WorkerRecord[]>;

  /** Deletes the rows of workers not seen for GONE_WORKER_KEPT_LEASES of their own lease durations; how many. */
  abstract removeGoneWorkers(): Promise<number>;

  /** Releases connections the store opened itself. */
  abstract close(): Promise<void>;

  /** After every module's shutdown work (the worker puts its tasks back first). */
  onApplicationShutdown(): Promise<void> {
    return this.close();
  }
}
