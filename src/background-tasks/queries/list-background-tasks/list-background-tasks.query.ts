import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { TaskStatus } from '../../task-status.js';
import type { BackgroundTaskView } from '../background-task.view.js';

export interface BackgroundTaskPage {
  readonly items: BackgroundTaskView[];
  /** Pass as `cursor` to get the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export class ListBackgroundTasksQuery extends Query<BackgroundTaskPage> {
  constructor(
    readonly viewer: ApiUser,
    readonly filter: { status?: TaskStatus; name?: string; createdBy?: string },
    readonly cursor: string | undefined,
    readonly limit: number,
  ) {
    super();
  }
}
