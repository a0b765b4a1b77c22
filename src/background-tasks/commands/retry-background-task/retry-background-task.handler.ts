import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskStateError } from '../../background-task.errors.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../../queries/background-task.view.js';
import { QueueWakeSignal } from '../../queue/queue-wake-signal.js';
import { TaskEvents } from '../../events/task-events.js';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { RetryBackgroundTaskCommand } from './retry-background-task.command.js';

const RETRYABLE = ['failed', 'cancelled'] as const;

@CommandHandler(RetryBackgroundTaskCommand)
export class RetryBackgroundTaskHandler implements ICommandHandler<RetryBackgroundTaskCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly events: TaskEvents,
  ) {}

  async execute({ id, requestedBy }: RetryBackgroundTaskCommand): Promise<BackgroundTaskView> {
    const task = await findVisibleTask(this.store, id, requestedBy);
    // Conditional on the state read: two concurrent retries enqueue the task once; the other gets 409.
    if (!(await this.store.retry(id))) {
      const now = await findVisibleTask(this.store, id, requestedBy);
      throw new BackgroundTaskStateError(id, now.status, 'retried', RETRYABLE);
    }
    this.wakeSignal.notify();
    this.events.emit({ kind: 'retried', task });
    return toBackgroundTaskView(await findVisibleTask(this.store, id, requestedBy), requestedBy);
  }
}
