import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';
import type { TaskQueueView } from '../../queries/list-task-queues/task-queue.view.js';

/**
 * Pauses (`paused` true) or resumes a task name. While paused no worker claims its tasks (the claim
 * statements leave the name out, from the moment the pause commits); running ones finish, enqueues go on.
 */
export class PauseTaskQueueCommand extends Command<TaskQueueView> {
  constructor(
    readonly name: string,
    readonly paused: boolean,
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
