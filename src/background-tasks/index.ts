/**
 * The background-task module's public API: what task authors and other modules use. Import from here
 * (`../background-tasks/index.js`), never from a file inside the module: the storage and the worker are the
 * module's own, and may change without notice.
 *
 * - Register tasks: a module that imports `BackgroundTasksModule` lists its `@BackgroundTask` classes in its
 *   `providers`; the worker finds them there.
 * - Enqueue: inject `BackgroundTaskQueue` (a command handler is the usual place).
 * - Serve the HTTP API: `BackgroundTasksHttpModule`, left out of a process with APP_ROLE=worker.
 */
export { BackgroundTasksModule } from './background-tasks.module.js';
export { BackgroundTasksHttpModule } from './background-tasks-http.module.js';
// Its configuration, read from the environment at boot (the application's config/ collects every module's)
export {
  BackgroundTasksConfig,
  BackgroundTasksEnvironmentVariables,
  toBackgroundTasksConfig,
} from './background-tasks.config.js';

// Writing a task
export { BackgroundTask, type BackgroundTaskOptions } from './contract/background-task.decorator.js';
export type { FlowOptions, RateLimitOptions } from './flow/flow-policy.js';
export type {
  BackgroundTaskExecutor,
  ErrorOf,
  ExecutionMetadataOf,
  MetadataOf,
  ResultOf,
} from './contract/background-task-executor.js';
export type { BackgroundTaskContext, TaskProgressUpdate } from './contract/background-task-context.js';
export {
  TaskOutcome,
  type CancellationOutcome,
  type FailureOutcome,
  type SuccessOutcome,
  type SuspendedOutcome,
} from './contract/task-outcome.js';
export { UnrecoverableTaskError } from './contract/unrecoverable-task.error.js';
export { TaskPayloadError } from './contract/task-payload.error.js';
export { TaskErrorCode } from './contract/task-error-codes.js';

// Enqueueing
export { BackgroundTaskQueue } from './queue/background-task-queue.js';
export type { EnqueueOptions } from './queue/enqueue-options.js';
export { EnqueueError } from './queue/enqueue-errors.js';
export { TaskAcceptedView } from './task-accepted.view.js';

// Files a task writes for its user (an export) or reads (an upload)
export { TaskFiles } from './files/task-files.js';

// What happens to tasks, as typed events (metrics and logs subscribe), and the fields of a log line about one
export {
  TaskEvents,
  type TaskEvent,
  type TaskEventListener,
  type TaskRef,
  type ClaimedRun,
  type EndedRun,
  type ReleasedRun,
} from './events/task-events.js';
export { taskLogFields } from './task-log-fields.js';

// Reading tasks, and the queue's and the worker's status
export { BackgroundTasksStatus } from './status/background-tasks-status.js';
export type { WorkerStatus } from './execution/worker-status.js';
export { BackgroundTaskView, AttemptErrorView } from './queries/background-task.view.js';
export { GetBackgroundTaskByIdQuery } from './queries/get-background-task-by-id/get-background-task-by-id.query.js';
export { TASK_STATUSES, FINAL_STATUSES, isFinalStatus, type TaskStatus } from './task-status.js';
