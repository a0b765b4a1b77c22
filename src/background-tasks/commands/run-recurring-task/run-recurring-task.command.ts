import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { TaskAcceptedView } from '../../task-accepted.view.js';

/** Enqueues a recurring task now, with its schedule's metadata, outside its slots. */
export class RunRecurringTaskCommand extends Command<TaskAcceptedView> {
  constructor(
    readonly name: string,
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
