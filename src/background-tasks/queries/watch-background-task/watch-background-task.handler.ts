import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { TaskWatcher } from '../../events/task-watcher.js';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../background-task.view.js';
import { WatchBackgroundTaskQuery } from './watch-background-task.query.js';

@QueryHandler(WatchBackgroundTaskQuery)
export class WatchBackgroundTaskHandler implements IQueryHandler<WatchBackgroundTaskQuery> {
  constructor(
    private readonly store: TaskStore,
    private readonly watcher: TaskWatcher,
  ) {}

  /** Checks visibility first, so that a stream the viewer may not open is a plain 404 answer. */
  async execute({ id, viewer }: WatchBackgroundTaskQuery): Promise<Observable<BackgroundTaskView>> {
    const task = await findVisibleTask(this.store, id, viewer);
    return this.watcher.task(task, viewer).pipe(map((record) => toBackgroundTaskView(record, viewer)));
  }
}
