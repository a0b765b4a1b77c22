import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { TaskQueueNotFoundError, TaskQueuesAdminOnlyError } from '../../background-task.errors.js';
import { TaskEvents } from '../../events/task-events.js';
import { QueueWakeSignal } from '../../queue/queue-wake-signal.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { TaskStore } from '../../storage/task-store.js';
import { readTaskQueueViews } from '../../queries/list-task-queues/read-task-queue-views.js';
import type { TaskQueueView } from '../../queries/list-task-queues/task-queue.view.js';
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
    // A name no longer registered can still be resumed (its pause outlived a deploy that removed it).
    const known =
      this.registry.forName(name) !== undefined || (await this.store.queueStates(name)).length > 0;
    if (!known) throw new TaskQueueNotFoundError(name);
    await this.store.setPaused(name, paused, requestedBy.name);
    if (!paused) this.wakeSignal.notify(); // this process's worker; others hear NOTIFY or poll
    this.events.emit({ kind: paused ? 'queue-paused' : 'queue-resumed', name, by: requestedBy.name });
    const [view] = await readTaskQueueViews(this.store, this.registry, name);
    return view;
  }
}
