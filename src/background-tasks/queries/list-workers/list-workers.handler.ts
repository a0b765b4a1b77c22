import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { OperatorOnlyError } from '../../background-task.errors.js';
import { TaskStore } from '../../storage/task-store.js';
import { ListWorkersQuery } from './list-workers.query.js';
import { toWorkerView, type WorkerListView } from './worker.view.js';

@QueryHandler(ListWorkersQuery)
export class ListWorkersHandler implements IQueryHandler<ListWorkersQuery> {
  constructor(private readonly store: TaskStore) {}

  async execute({ requestedBy }: ListWorkersQuery): Promise<WorkerListView> {
    if (!isAdmin(requestedBy)) throw new OperatorOnlyError('see the workers');
    const workers = await this.store.workers();
    // The database's clock, read with the rows; an empty table has none, and the server's stands in.
    const at = workers[0]?.readAt ?? new Date();
    return { at: at.toISOString(), items: workers.map(toWorkerView) };
  }
}
