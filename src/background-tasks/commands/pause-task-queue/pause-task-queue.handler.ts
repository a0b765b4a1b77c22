import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { TaskQueueNotFoundError, TaskQueuesAdminOnlyError } from '../../background-task.errors.js';
import { TaskEvents } from '../../events/task-events.js';
import { QueueWakeSignal } from '../../queue/queue-wake-signal.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { TaskStore } from '../../storage/task-store.js';
import {
  emptyCounts,
  toTaskQueueView,
  type TaskQueueView,
} from '../../queries/list-task-queues/task-queue.view.js';
import { PauseTaskQueueCommand } from './pause-task-queue.command.js';

@CommandHandler(PauseTaskQueueCommand)
export class PauseTaskQueueHandler implements ICommandHandler<PauseTaskQueueCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly events: TaskEvents,
  ) {}

  async execute({ name, paused, requestedBy }: PauseTaskQueueCommand): Promise<TaskQueueView> {
    if (!isAdmin(requestedBy)) throw new TaskQueuesAdminOnlyError();
    const registered = this.registry.forName(name);
    const states = await this.store.queueStates();
    // A name no longer registered can still be resumed (its pause outlived a deploy that removed it).
    if (!registered && !states.some((state) => state.name === name)) throw new TaskQueueNotFoundError(name);
    await this.store.setPaused(name, paused, requestedBy.name);
    if (!paused) this.wakeSignal.notify(); // this process's worker; others hear NOTIFY or poll
    this.events.emit({ kind: paused ? 'queue-paused' : 'queue-resumed', name, by: requestedBy.name });
    const state = (await this.store.queueStates()).find((queue) => queue.name === name);
    const counts = emptyCounts();
    for (const count of await this.store.countsByName())
      if (count.name === name) counts[count.status] = count.count;
    return toTaskQueueView(name, counts, registered?.definition.flow, state, registered !== undefined);
  }
}
