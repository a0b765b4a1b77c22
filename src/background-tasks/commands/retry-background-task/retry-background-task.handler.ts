import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { BackgroundTaskStateError } from '../../background-task.errors.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../../queries/background-task.view.js';
import { QueueWakeSignal } from '../../queue/queue-wake-signal.js';
import { TaskChanges } from '../../events/task-changes.js';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { RetryBackgroundTaskCommand } from './retry-background-task.command.js';

const RETRYABLE = ['failed', 'cancelled'] as const;

@CommandHandler(RetryBackgroundTaskCommand)
export class RetryBackgroundTaskHandler implements ICommandHandler<RetryBackgroundTaskCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly changes: TaskChanges,
  ) {}

  async execute({ id, requestedBy }: RetryBackgroundTaskCommand): Promise<BackgroundTaskView> {
    await findVisibleTask(this.store, id, requestedBy);
    // Conditional on the state read: two concurrent retries enqueue the task once; the other gets 409.
    if (!(await this.store.retry(id))) {
      const now = await findVisibleTask(this.store, id, requestedBy);
      throw new BackgroundTaskStateError(id, now.status, 'retried', RETRYABLE);
    }
    this.wakeSignal.notify();
    this.changes.publish([id]);
    return toBackgroundTaskView(await findVisibleTask(this.store, id, requestedBy), requestedBy);
  }
}
