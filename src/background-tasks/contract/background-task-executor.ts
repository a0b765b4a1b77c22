import type { BackgroundTaskContext } from './background-task-context.js';
import type { TaskOutcome } from './task-outcome.js';

/**
 * A background task: a Nest provider marked with `@BackgroundTask('name')` that runs one kind of task.
 * The type parameters are the task's contract, as in Itmo.Dev.Platform.BackgroundTasks: the input given to
 * `enqueue`, the checkpoint it keeps between runs, what it returns on success and what it reports on failure.
 * The executor is resolved from Nest's container for every run, so it may depend on request-scoped providers.
 */
export interface BackgroundTaskExecutor<
  TMetadata = void,
  TExecutionMetadata = void,
  TResult = void,
  TError = never,
> {
  execute(
    context: BackgroundTaskContext<TMetadata, TExecutionMetadata>,
  ): Promise<TaskOutcome<TResult, TError>>;

  /** The checkpoint of a first run, when `enqueue` gave none. */
  initialExecutionMetadata?(metadata: TMetadata): TExecutionMetadata;
}

type ContractOf<TExecutor> =
  TExecutor extends BackgroundTaskExecutor<
    infer TMetadata,
    infer TExecutionMetadata,
    infer TResult,
    infer TError
  >
    ? { metadata: TMetadata; executionMetadata: TExecutionMetadata; result: TResult; error: TError }
    : never;

/** The metadata type an executor class accepts, for type-checking `enqueue`. */
export type MetadataOf<TExecutor> = ContractOf<TExecutor>['metadata'];

/** The execution metadata (checkpoint) type of an executor class. */
export type ExecutionMetadataOf<TExecutor> = ContractOf<TExecutor>['executionMetadata'];

/** What an executor's task stores as its result. */
export type ResultOf<TExecutor> = ContractOf<TExecutor>['result'];

/** What an executor's task stores as its error. */
export type ErrorOf<TExecutor> = ContractOf<TExecutor>['error'];
