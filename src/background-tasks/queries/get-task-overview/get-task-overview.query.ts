import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { TaskOverviewView } from './task-overview.view.js';

/** The operator console's overview: counts by status and name, the last hour's endings, the oldest wait. */
export class GetTaskOverviewQuery extends Query<TaskOverviewView> {
  constructor(readonly requestedBy: ApiUser) {
    super();
  }
}
