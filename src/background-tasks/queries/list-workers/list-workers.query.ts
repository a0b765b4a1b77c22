import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { WorkerListView } from './worker.view.js';

/** Every worker process with a heartbeat row: live, stalled, or gone and not yet removed. */
export class ListWorkersQuery extends Query<WorkerListView> {
  constructor(readonly requestedBy: ApiUser) {
    super();
  }
}
