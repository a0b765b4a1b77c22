import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { OperatorOnlyError, RecurringTaskNotFoundError } from '../../background-task.errors.js';
import { BackgroundTaskQueue } from '../../queue/background-task-queue.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import type { TaskAcceptedView } from '../../task-accepted.view.js';
import { RunRecurringTaskCommand } from './run-recurring-task.command.js';

@CommandHandler(RunRecurringTaskCommand)
export class RunRecurringTaskHandler implements ICommandHandler<RunRecurringTaskCommand> {
  constructor(
    private readonly registry: TaskRegistry,
    private readonly queue: BackgroundTaskQueue,
  ) {}

  /**
   * A task of its own, created by the admin, with no idempotency key: it takes no slot, so the scheduled
   * run of the next slot still happens. A paused name's task waits like any other until it is resumed.
   */
  async execute({ name, requestedBy }: RunRecurringTaskCommand): Promise<TaskAcceptedView> {
    if (!isAdmin(requestedBy)) throw new OperatorOnlyError('run a recurring task now');
    const task = this.registry.forName(name);
    const schedule = task?.definition.schedule;
    if (!task || !schedule) throw new RecurringTaskNotFoundError(name);
    const taskId = await this.queue.enqueue(task.executorClass, schedule.metadata, {
      createdBy: requestedBy.name,
    });
    return { taskId };
  }
}
