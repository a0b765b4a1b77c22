import { BackgroundTask } from '../contract/background-task.decorator.js';
import type { BackgroundTaskContext } from '../contract/background-task-context.js';
import type { BackgroundTaskExecutor } from '../contract/background-task-executor.js';
import { TaskOutcome } from '../contract/task-outcome.js';
import { TaskEvents } from '../events/task-events.js';
import { TaskFiles } from '../files/task-files.js';
import type { BulkAction, BulkTaskSelection } from '../model/task-records.js';
import { QueueWakeSignal } from '../queue/queue-wake-signal.js';
import { TaskStore } from '../storage/task-store.js';
import { selectionBound } from './bulk-actions.js';

export const BULK_OPERATION_TASK = 'background-tasks.bulk';

/**
 * Rows a window reads, in creation order, whatever they are (TaskStore.scanBulkWindow): a checkpoint per
 * window, and a 100,000-row table read in 50 windows.
 */
export const BULK_WINDOW_ROWS = 2_000;

/**
 * Rows one statement changes at most: one short statement (SQL Server escalates to a table lock at about
 * 5,000 row locks, and a row takes one per index).
 */
export const BULK_BATCH_SIZE = 500;

export interface BulkOperationMetadata {
  readonly action: BulkAction;
  /** One task name, or null for every name. */
  readonly name: string | null;
  /** delete: finished before this time (ISO 8601); null for retry and cancel. */
  readonly finishedBefore: string | null;
  /** Who asked (for a cancelled task's error). */
  readonly requestedBy: string;
}

/** Where the operation stands; persisted after every window, so a run interrupted goes on from there. */
export interface BulkOperationCheckpoint {
  /** The selection's time bound, fixed by the first run (the database's clock). */
  readonly before: string;
  /** How many tasks matched when the first run counted them. */
  readonly total: number;
  /** How many this operation has changed so far. */
  readonly done: number;
  /** The last id visited: the next window starts after it. */
  readonly after: string | null;
}

export interface BulkOperationResult {
  readonly action: BulkAction;
  readonly name: string | null;
  /** Matched when the operation started. */
  readonly matched: number;
  /** Changed by it: fewer than matched when others changed some first (a worker, a user, another operation). */
  readonly changed: number;
}

const PAST_TENSE: Record<BulkAction, string> = { retry: 'Retried', cancel: 'Cancelled', delete: 'Deleted' };

/**
 * Retries, cancels or deletes every task a selection matches, a batch at a time (POST
 * /api/background-tasks/bulk enqueues it). Safe to run twice and to resume: every batch re-checks each row
 * against the selection under its row lock, so a task already changed (by an earlier run of this task that
 * stopped before its checkpoint, or by anyone else) is left alone, and the selection's time bound, fixed at
 * the first run, keeps it from chasing tasks that fail or arrive while it runs.
 */
@BackgroundTask(BULK_OPERATION_TASK, { maxRetryCount: 5 })
export class BulkOperationTask implements BackgroundTaskExecutor<
  BulkOperationMetadata,
  BulkOperationCheckpoint,
  BulkOperationResult
> {
  constructor(
    private readonly store: TaskStore,
    private readonly files: TaskFiles,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly events: TaskEvents,
  ) {}

  async execute({
    taskId,
    metadata,
    executionMetadata,
    checkpoint,
    progress,
    signal,
  }: BackgroundTaskContext<BulkOperationMetadata, BulkOperationCheckpoint>) {
    const { action, name, requestedBy } = metadata;
    let state = executionMetadata ?? (await this.start(metadata));
    const selection: BulkTaskSelection = { action, name, before: new Date(state.before) };
    const report = () =>
      progress({
        percent: state.total === 0 ? 100 : Math.min(100, (state.done / state.total) * 100),
        info: `${PAST_TENSE[action]} ${state.done.toLocaleString('en')} of ${state.total.toLocaleString('en')} task(s)`,
      });
    report();
    if (!executionMetadata) await checkpoint(state);
    const error = { code: 'CANCELLED', message: `Cancelled by ${requestedBy} (bulk operation ${taskId})` };
    for (;;) {
      signal.throwIfAborted();
      const { matching, last } = await this.store.scanBulkWindow(selection, state.after, BULK_WINDOW_ROWS);
      if (last === null) break;
      let changed = 0;
      for (let start = 0; start < matching.length; start += BULK_BATCH_SIZE) {
        changed += (await this.applyBatch(selection, matching.slice(start, start + BULK_BATCH_SIZE), error))
          .length;
      }
      state = { ...state, after: last, done: state.done + changed };
      report();
      await checkpoint(state);
    }
    return TaskOutcome.success<BulkOperationResult>({
      action,
      name,
      matched: state.total,
      changed: state.done,
    });
  }

  /** One statement's worth: the tasks of `ids` that still match, changed, announced and (deleted) their files removed. */
  private async applyBatch(selection: BulkTaskSelection, ids: string[], error: unknown): Promise<string[]> {
    const { action, name } = selection;
    const changed = await this.store.applyBulk(selection, ids, error);
    if (action === 'delete') await Promise.all(changed.map((id) => this.files.remove(id)));
    if (changed.length > 0) {
      if (action === 'retry') this.wakeSignal.notify();
      this.events.emit({ kind: 'bulk-changed', action, name, ids: changed });
    }
    return changed;
  }

  /** The first run fixes the time bound on the database's clock and counts what it will change. */
  private async start({
    action,
    name,
    finishedBefore,
  }: BulkOperationMetadata): Promise<BulkOperationCheckpoint> {
    const finished = finishedBefore === null ? null : new Date(finishedBefore);
    const bound = selectionBound(await this.store.databaseTime(), finished);
    const total = await this.store.countBulk({ action, name, before: bound });
    return { before: bound.toISOString(), total, done: 0, after: null };
  }
}
