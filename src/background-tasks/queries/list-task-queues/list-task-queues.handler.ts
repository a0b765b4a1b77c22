import { QueryHandler, type IQueryHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { TaskQueuesAdminOnlyError } from '../../background-task.errors.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { TaskStore } from '../../storage/task-store.js';
import { ListTaskQueuesQuery } from './list-task-queues.query.js';
import { emptyCounts, toTaskQueueView, type TaskQueueListView } from './task-queue.view.js';

@QueryHandler(ListTaskQueuesQuery)
export class ListTaskQueuesHandler implements IQueryHandler<ListTaskQueuesQuery> {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
  ) {}

  async execute({ requestedBy }: ListTaskQueuesQuery): Promise<TaskQueueListView> {
    if (!isAdmin(requestedBy)) throw new TaskQueuesAdminOnlyError();
    const [counts, states] = await Promise.all([this.store.countsByName(), this.store.queueStates()]);
    const countsByName = new Map<string, ReturnType<typeof emptyCounts>>();
    for (const { name, status, count } of counts) {
      const forName = countsByName.get(name) ?? emptyCounts();
      forName[status] = count;
      countsByName.set(name, forName);
    }
    const stateByName = new Map(states.map((state) => [state.name, state]));
    // Registered names, then names only the database knows (tasks of a kind since removed, a pause of one).
    const names = [...new Set([...this.registry.names(), ...countsByName.keys(), ...stateByName.keys()])];
    const items = names
      .sort()
      .map((name) =>
        toTaskQueueView(
          name,
          countsByName.get(name) ?? emptyCounts(),
          this.registry.forName(name)?.definition.flow,
          stateByName.get(name),
          this.registry.forName(name) !== undefined,
        ),
      );
    return { items };
  }
}
