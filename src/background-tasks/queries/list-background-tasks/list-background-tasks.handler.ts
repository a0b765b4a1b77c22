import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { TaskStore } from '../../storage/task-store.js';
import { listableCreator } from '../../visible-task.js';
import { toBackgroundTaskView } from '../background-task.view.js';
import { ListBackgroundTasksQuery, type BackgroundTaskPage } from './list-background-tasks.query.js';
import { decodeCursor, encodeCursor } from './task-list-cursor.js';

/** Newest first. Admins see every task and may filter by creator; anybody else sees their own tasks. */
@QueryHandler(ListBackgroundTasksQuery)
export class ListBackgroundTasksHandler implements IQueryHandler<ListBackgroundTasksQuery> {
  constructor(private readonly store: TaskStore) {}

  async execute({ viewer, filter, cursor, limit }: ListBackgroundTasksQuery): Promise<BackgroundTaskPage> {
    const createdBy = listableCreator(viewer, filter.createdBy);
    // One extra row tells whether there is a next page without a second query.
    const records = await this.store.list({
      ...filter,
      createdBy,
      after: cursor === undefined ? undefined : decodeCursor(cursor),
      limit: limit + 1,
    });
    const page = records.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((record) => toBackgroundTaskView(record, viewer)),
      nextCursor: records.length > limit && last ? encodeCursor(last) : null,
    };
  }
}
