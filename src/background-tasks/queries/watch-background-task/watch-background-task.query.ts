import { Query } from '@nestjs/cqrs';
import type { Observable } from 'rxjs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../background-task.view.js';

/** The task now and every change of it, until a final status. Not found for a task the viewer may not see. */
export class WatchBackgroundTaskQuery extends Query<Observable<BackgroundTaskView>> {
  constructor(
    readonly id: string,
    readonly viewer: ApiUser,
  ) {
    super();
  }
}
