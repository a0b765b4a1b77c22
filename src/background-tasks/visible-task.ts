import { type ApiUser, isAdmin } from '../shared/identity/index.js';
import { BackgroundTaskNotFoundError, TaskListForbiddenError } from './background-task.errors.js';
import type { BackgroundTaskRecord } from './model/task-records.js';
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

/**
 * The creator a task list of `viewer` is limited to: the one asked for (or none) for admins, the viewer
 * for anybody else, who may not ask for another user's tasks.
 */
export function listableCreator(viewer: ApiUser, requested: string | undefined): string | undefined {
  if (isAdmin(viewer)) return requested;
  if (requested !== undefined && requested !== viewer.name) throw new TaskListForbiddenError();
  return viewer.name;
}
