import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { RecurringTaskListView } from './recurring-task.view.js';

/** Every task declared with a `schedule`, with its next slot, its last run and whether it is paused. */
export class ListRecurringTasksQuery extends Query<RecurringTaskListView> {
  constructor(readonly requestedBy: ApiUser) {
    super();
  }
}
