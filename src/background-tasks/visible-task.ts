import { isAdmin, type ApiUser } from '../auth/api-user.js';
import { BackgroundTaskNotFoundError } from './background-task.errors.js';
import type { BackgroundTaskRecord } from './storage/task-records.js';
import type { TaskStore } from './storage/task-store.js';

/** Admins see every task; anybody else only the tasks they created. */
export function canSeeTask(record: Pick<BackgroundTaskRecord, 'createdBy'>, viewer: ApiUser): boolean {
  return isAdmin(viewer) || (record.createdBy !== null && record.createdBy === viewer.name);
}

/** The task, if the viewer may see it; otherwise the same not-found error as for a task that does not exist. */
export async function findVisibleTask(
  store: TaskStore,
  id: string,
  viewer: ApiUser,
): Promise<BackgroundTaskRecord> {
  const record = await store.findById(id);
  if (!record || !canSeeTask(record, viewer)) throw new BackgroundTaskNotFoundError(id);
  return record;
}
