import type { TaskRegistry } from '../../registry/task-registry.js';
import type { TaskStore } from '../../storage/task-store.js';
import { countsPerName, emptyCounts, toTaskQueueView, type TaskQueueView } from './task-queue.view.js';

/**
 * The queue views of every task name, or of `onlyName`: the registered names, then the names only the
 * database knows (tasks of a kind since removed, a pause of one), in name order. Shared by the list and by
 * the pause and resume commands, which answer with the view of the name they changed.
 */
export async function readTaskQueueViews(
  store: TaskStore,
  registry: TaskRegistry,
  onlyName?: string,
): Promise<TaskQueueView[]> {
  const [counts, states] = await Promise.all([store.countsByName(onlyName), store.queueStates(onlyName)]);
  const countsByName = countsPerName(counts);
  const stateByName = new Map(states.map((state) => [state.name, state]));
  const registeredNames = onlyName === undefined ? registry.names() : [onlyName];
  const names = [...new Set([...registeredNames, ...countsByName.keys(), ...stateByName.keys()])];
  return names.sort().map((name) => {
    const registration = registry.forName(name);
    return toTaskQueueView(
      name,
      countsByName.get(name) ?? emptyCounts(),
      registration?.definition.flow,
      stateByName.get(name),
      registration !== undefined,
    );
  });
}
