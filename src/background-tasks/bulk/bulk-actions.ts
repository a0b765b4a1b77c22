import type { BulkAction } from '../model/task-records.js';
import type { TaskStatus } from '../task-status.js';

/** What each bulk action takes: the statuses it changes, and which time column bounds its selection. */
export const BULK_ACTIONS: Readonly<
  Record<
    BulkAction,
    { readonly statuses: readonly TaskStatus[]; readonly boundedBy: 'completed_at' | 'created_at' }
  >
> = {
  // Failed tasks, back to the queue with a fresh budget of attempts, as POST /:id/retry does one.
  retry: { statuses: ['failed'], boundedBy: 'completed_at' },
  // Waiting tasks; a running one is left to finish (cancel it by its id: that asks its worker to stop).
  cancel: { statuses: ['enqueued', 'suspended'], boundedBy: 'created_at' },
  // Finished tasks, with their files.
  delete: { statuses: ['completed', 'failed', 'cancelled'], boundedBy: 'completed_at' },
};

export const BULK_ACTION_NAMES = Object.keys(BULK_ACTIONS) as BulkAction[];

/**
 * A selection's time bound: the database's time now, a millisecond on (a Date drops the microseconds
 * PostgreSQL stamps rows with, and a task that failed in the very millisecond the operation started is one
 * it was asked to include), or a delete's `finishedBefore` when that is earlier.
 */
export function selectionBound(databaseNow: Date, finishedBefore: Date | null): Date {
  const now = databaseNow.getTime() + 1;
  return new Date(finishedBefore === null ? now : Math.min(now, finishedBefore.getTime()));
}
