import { ApplicationError } from '../shared/application-error.js';

/** Also what a caller gets for a task they may not see: its existence is not disclosed. */
export class BackgroundTaskNotFoundError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(id: string) {
    super(`Background task ${id} was not found`);
  }
}
