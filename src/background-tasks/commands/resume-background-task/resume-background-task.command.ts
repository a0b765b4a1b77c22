import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { BackgroundTaskView } from '../../queries/background-task.view.js';

/** Returns a suspended task to the queue, optionally changing some of its execution metadata first. */
export class ResumeBackgroundTaskCommand extends Command<BackgroundTaskView> {
  constructor(
    readonly id: string,
    readonly requestedBy: ApiUser,
    /** Fields merged over the task's execution metadata; undefined leaves it as it is. */
    readonly executionMetadataPatch: Record<string, unknown> | undefined,
  ) {
    super();
  }
}
