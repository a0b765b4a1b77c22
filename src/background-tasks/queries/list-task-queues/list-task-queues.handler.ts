import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { TaskQueuesAdminOnlyError } from '../../background-task.errors.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { TaskStore } from '../../storage/task-store.js';
import { ListTaskQueuesQuery } from './list-task-queues.query.js';
import { readTaskQueueViews } from './read-task-queue-views.js';
import type { TaskQueueListView } from './task-queue.view.js';

@QueryHandler(ListTaskQueuesQuery)
export class ListTaskQueuesHandler implements IQueryHandler<ListTaskQueuesQuery> {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
  ) {}

  async execute({ requestedBy }: ListTaskQueuesQuery): Promise<TaskQueueListView> {
    if (!isAdmin(requestedBy)) throw new TaskQueuesAdminOnlyError();
    return { items: await readTaskQueueViews(this.store, this.registry) };
  }
}
