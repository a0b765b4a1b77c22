import { ApplicationError } from '../shared/application-error.js';
import type { TaskStatus } from './task-status.js';

/** Also what a caller gets for a task they may not see: its existence is not disclosed. */
export class BackgroundTaskNotFoundError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(id: string) {
    super(`Background task ${id} was not found`);
  }
}

/** The task is not in a state the requested action applies to. */
export class BackgroundTaskStateError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.WRONG_STATE';
  readonly kind = 'conflict';
  constructor(id: string, status: TaskStatus, action: string, allowed: readonly TaskStatus[]) {
    super(`Background task ${id} is ${status}; only ${allowed.join(' or ')} tasks can be ${action}`);
  }
}

export class BackgroundTaskFileNotFoundError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.NO_FILE';
  readonly kind = 'not-found';
  constructor(id: string) {
    super(`Background task ${id} has no file to download`);
  }
}

/** The task kept changing state while a request tried to act on it; trying again will settle it. */
export class BackgroundTaskBusyError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.CHANGED_CONCURRENTLY';
  readonly kind = 'conflict';
  constructor(id: string) {
    super(`Background task ${id} changed state while this request was applied; try again`);
  }
}

export class InvalidExecutionMetadataError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.INVALID_EXECUTION_METADATA';
  readonly kind = 'invalid';
  constructor(readonly problems: string[]) {
    super(`The execution metadata is not valid: ${problems.join('; ')}`);
  }
}

export class InvalidCursorError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.INVALID_CURSOR';
  readonly kind = 'invalid';
  constructor() {
    super('cursor is not valid: pass the nextCursor of a previous page unchanged');
  }
}

/** The viewer has as many event streams open as one user may (STREAMS_PER_USER). */
export class TooManyStreamsError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.TOO_MANY_STREAMS';
  readonly kind = 'too-many';
  constructor(limit: number) {
    super(`You have ${limit} event streams open, as many as one user may: close one first`);
  }
}

export class TaskListForbiddenError extends ApplicationError {
  readonly code = 'BACKGROUND_TASK.LIST_FORBIDDEN';
  readonly kind = 'forbidden';
  constructor() {
    super("Only admins may list other users' tasks");
  }
}

/** No task of this name is registered in the application, nor was one ever paused. */
export class TaskQueueNotFoundError extends ApplicationError {
  readonly code = 'TASK_QUEUE.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(name: string) {
    super(`No background task is named ${JSON.stringify(name)}`);
  }
}

export class RecurringTaskNotFoundError extends ApplicationError {
  readonly code = 'RECURRING_TASK.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(name: string) {
    super(`No task named ${JSON.stringify(name)} is declared with a schedule`);
  }
}

/** An operator's read or action (the overview, the recurring tasks, the workers) asked by a non-admin. */
export class OperatorOnlyError extends ApplicationError {
  readonly code = 'BACKGROUND_TASKS.ADMIN_ONLY';
  readonly kind = 'forbidden';
  constructor(what: string) {
    super(`Only admins may ${what}`);
  }
}

/** Pausing, resuming and listing the task queues are for admins. */
export class TaskQueuesAdminOnlyError extends ApplicationError {
  readonly code = 'TASK_QUEUE.ADMIN_ONLY';
  readonly kind = 'forbidden';
  constructor() {
    super('Only admins may see, pause or resume the task queues');
  }
}

/** A bulk operation asked for with options that do not go together. */
export class InvalidBulkOperationError extends ApplicationError {
  readonly code = 'BACKGROUND_TASKS.INVALID_BULK_OPERATION';
  readonly kind = 'invalid';
}
