import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { TaskWatcher } from '../../events/task-watcher.js';
import { listableCreator } from '../../visible-task.js';
import { toBackgroundTaskView } from '../background-task.view.js';
import { WatchBackgroundTasksQuery, type BackgroundTaskListEvent } from './watch-background-tasks.query.js';

/** The same visibility as the list: admins see every task and may pick a creator; others their own. */
@QueryHandler(WatchBackgroundTasksQuery)
export class WatchBackgroundTasksHandler implements IQueryHandler<WatchBackgroundTasksQuery> {
  constructor(private readonly watcher: TaskWatcher) {}

  execute({ viewer, filter }: WatchBackgroundTasksQuery): Promise<Observable<BackgroundTaskListEvent>> {
    const createdBy = listableCreator(viewer, filter.createdBy);
    return Promise.resolve(
      this.watcher
        .list(viewer, { name: filter.name, createdBy })
        .pipe(
          map((event): BackgroundTaskListEvent =>
            event.kind === 'task'
              ? { kind: 'task', task: toBackgroundTaskView(event.record, viewer) }
              : { kind: 'resync' },
          ),
        ),
    );
  }
}
