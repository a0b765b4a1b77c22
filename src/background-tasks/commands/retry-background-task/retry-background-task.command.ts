import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';

/** Runs a failed or cancelled task again, with a fresh attempt budget and its attempt history kept. */
export class RetryBackgroundTaskCommand extends Command<BackgroundTaskView> {
  constructor(
    readonly id: string,
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
