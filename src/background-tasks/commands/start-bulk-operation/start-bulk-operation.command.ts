import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BulkAction } from '../../model/task-records.js';
import type { BulkOperationOutcome } from './bulk-operation.view.js';

/**
 * Retries, cancels or deletes every task of a selection (admins): counted at once for a dry run, otherwise
 * done by a background task of its own (bulk/bulk-operation.task.ts), a batch at a time.
 */
export class StartBulkOperationCommand extends Command<BulkOperationOutcome> {
  constructor(
    readonly action: BulkAction,
    readonly name: string | null,
    readonly finishedBefore: Date | null,
    readonly dryRun: boolean,
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
