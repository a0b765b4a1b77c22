import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskBusyError, BackgroundTaskStateError } from '../../background-task.errors.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../../queries/background-task.view.js';
import { TaskEvents } from '../../events/task-events.js';
import { TaskStore } from '../../storage/task-store.js';
import { isFinalStatus } from '../../task-status.js';
import { findVisibleTask } from '../../visible-task.js';
import { CancelBackgroundTaskCommand } from './cancel-background-task.command.js';

/**
 * An enqueued or suspended task is cancelled at once. A processing one gets a cancellation request, which
 * its worker sees at its next lease renewal (at most 500 ms later): the handler's signal fires and the task
 * ends `cancelled`. Each write is conditional on the state it was decided from; when a worker changed the
 * state in between (it claimed or finished the task), the decision is made again on the new state.
 */
@CommandHandler(CancelBackgroundTaskCommand)
export class CancelBackgroundTaskHandler implements ICommandHandler<CancelBackgroundTaskCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly events: TaskEvents,
  ) {}

  async execute({ id, requestedBy }: CancelBackgroundTaskCommand): Promise<BackgroundTaskView> {
    for (let round = 0; round < 5; round++) {
      const task = await findVisibleTask(this.store, id, requestedBy);
      if (isFinalStatus(task.status)) {
        throw new BackgroundTaskStateError(id, task.status, 'cancelled', [
          'enqueued',
          'suspended',
          'processing',
        ]);
      }
      const waiting = task.status !== 'processing';
      const applied = waiting
        ? await this.store.cancelWaiting(id, {
            code: 'CANCELLED',
            message: `Cancelled by ${requestedBy.name}`,
          })
        : await this.store.requestCancellation(id);
      if (applied) {
        this.events.emit({ kind: 'cancel-requested', task, ended: waiting });
        return toBackgroundTaskView(await findVisibleTask(this.store, id, requestedBy), requestedBy);
      }
    }
    throw new BackgroundTaskBusyError(id);
  }
}
