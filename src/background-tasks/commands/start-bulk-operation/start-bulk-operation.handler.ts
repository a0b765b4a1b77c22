import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { isAdmin } from '../../../shared/identity/index.js';
import { InvalidBulkOperationError, OperatorOnlyError } from '../../background-task.errors.js';
import { selectionBound } from '../../bulk/bulk-actions.js';
import { BulkOperationTask } from '../../bulk/bulk-operation.task.js';
import { BackgroundTaskQueue } from '../../queue/background-task-queue.js';
import { TaskStore } from '../../storage/task-store.js';
import type { BulkOperationOutcome } from './bulk-operation.view.js';
import { StartBulkOperationCommand } from './start-bulk-operation.command.js';

@CommandHandler(StartBulkOperationCommand)
export class StartBulkOperationHandler implements ICommandHandler<StartBulkOperationCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly queue: BackgroundTaskQueue,
  ) {}

  async execute({
    action,
    name,
    finishedBefore,
    dryRun,
    requestedBy,
  }: StartBulkOperationCommand): Promise<BulkOperationOutcome> {
    if (!isAdmin(requestedBy)) throw new OperatorOnlyError('retry, cancel or delete tasks in bulk');
    if ((action === 'delete') !== (finishedBefore !== null)) {
      throw new InvalidBulkOperationError(
        action === 'delete'
          ? 'A bulk delete needs finishedBefore: the time up to which finished tasks are deleted'
          : `finishedBefore applies to a bulk delete only, not to ${action}`,
      );
    }
    if (dryRun) {
      const before = selectionBound(await this.store.databaseTime(), finishedBefore);
      const matching = await this.store.countBulk({ action, name, before });
      return { dryRun: true, count: { action, name, matching } };
    }
    const taskId = await this.queue.enqueue(
      BulkOperationTask,
      { action, name, finishedBefore: finishedBefore?.toISOString() ?? null, requestedBy: requestedBy.name },
      { createdBy: requestedBy.name },
    );
    return { dryRun: false, taskId };
  }
}
