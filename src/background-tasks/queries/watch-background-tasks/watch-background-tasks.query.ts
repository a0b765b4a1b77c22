import { Query } from '@nestjs/cqrs';
import type { Observable } from 'rxjs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../background-task.view.js';

export type BackgroundTaskListEvent =
  { readonly kind: 'task'; readonly task: BackgroundTaskView } | { readonly kind: 'resync' };

/** Changes of the tasks the viewer may see (admins: all, or one creator's), optionally of one task name. */
export class WatchBackgroundTasksQuery extends Query<Observable<BackgroundTaskListEvent>> {
  constructor(
    readonly viewer: ApiUser,
    readonly filter: { name?: string; createdBy?: string },
  ) {
    super();
  }
}
