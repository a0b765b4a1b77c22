import { UnrecoverableTaskError } from './unrecoverable-task.error.js';
import type { TaskErrorCode } from './task-error-codes.js';

/**
 * Thrown by `checkpoint()` when its value cannot be stored (see TaskErrorCode.CHECKPOINT_*). It is an
 * UnrecoverableTaskError: the same code would build the same value on a retry, so a task that lets it
 * propagate fails at once, with the code.
 */
export class TaskPayloadError extends UnrecoverableTaskError {
  override readonly name = 'TaskPayloadError';

  constructor(message: string, code: TaskErrorCode) {
    super(message, code);
  }
}
