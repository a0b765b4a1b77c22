import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';

/** Cancels a task: at once when it waits, through its worker when it runs. */
export class CancelBackgroundTaskCommand extends Command<BackgroundTaskView> {
  constructor(
    readonly id: string,
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
