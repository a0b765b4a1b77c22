import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { TaskQueueListView } from './task-queue.view.js';

/** Every task name the application registers or that was paused, with its counts, limits and pause. */
export class ListTaskQueuesQuery extends Query<TaskQueueListView> {
  constructor(readonly requestedBy: ApiUser) {
    super();
  }
}
