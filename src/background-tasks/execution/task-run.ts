import type { Logger } from '@nestjs/common';
import type { BackgroundTaskContext } from '../contract/background-task-context.js';
import type { TaskOutcome } from '../contract/task-outcome.js';
import type { ClaimedTask, FinishedRun, RunEnding } from '../storage/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { ProgressReporter } from './progress-reporter.js';
import type { TaskRegistry } from './task-registry.js';

/** Why a run's signal fired. */
export type AbortCause = 'shutdown' | 'lease-lost';

export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError';
  constructor(readonly abortCause: AbortCause) {
    super(
      abortCause === 'shutdown' ? 'The worker is shutting down' : 'This worker lost the lease on the task',
    );
  }
}

/** An error as stored in the task row: enough for a client, without the stack (that goes to the logs). */
export function describeError(error: unknown): { name: string; message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: typeof error === 'string' ? error : JSON.stringify(error) };
}

type Settled =
  | { readonly kind: 'outcome'; readonly outcome: TaskOutcome<unknown, unknown> }
  | { readonly kind: 'thrown'; readonly error: unknown };

function isOutcome(value: unknown): value is TaskOutcome<unknown, unknown> {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return kind === 'success' || kind === 'failure';
}

export interface TaskRunDependencies {
  readonly registry: TaskRegistry;
  readonly store: TaskStore;
  readonly logger: Logger;
}

/**
 * One run of one claimed task: resolves the executor, gives it a context, and turns what it returns (or
 * throws) into the ending to store. It never writes the ending itself: the worker batches endings.
 */
export class TaskRun {
  private readonly controller = new AbortController();
  private abortCause: AbortCause | undefined;
  private executing = true;
  private abandoned = false;
  readonly progress: ProgressReporter;

  constructor(
    readonly task: ClaimedTask,
    private readonly deps: TaskRunDependencies,
  ) {
    this.progress = new ProgressReporter(
      task.progress,
      (progress) => deps.store.saveProgress(task.id, task.leaseOwner, progress),
      () => this.abort('lease-lost'),
      (error) => this.log('warn', `progress write failed: ${describeError(error).message}`),
    );
  }

  /** True until the executor returns or throws. */
  get isExecuting(): boolean {
    return this.executing;
  }

  abort(cause: AbortCause): void {
    if (this.abortCause) return;
    this.abortCause = cause;
    if (cause === 'lease-lost')
      this.log('warn', 'lease lost: another worker may run this task; stopping this run');
    this.controller.abort(new TaskAbortedError(cause));
  }

  /**
   * Gives up on a handler that outlived the shutdown grace period: its task has gone back to the queue, so
   * nothing it reports or returns from now on is written.
   */
  abandon(): void {
    this.abandoned = true;
    void this.progress.close();
  }

  /** Runs the executor; resolves with the ending to store, or undefined when this worker no longer owns the task. */
  async execute(): Promise<FinishedRun | undefined> {
    const settled = await this.invokeExecutor();
    this.executing = false;
    await this.progress.close();
    const ending = this.toEnding(settled);
    return (
      ending && {
        id: this.task.id,
        leaseOwner: this.task.leaseOwner,
        ending,
        progress: this.progress.current,
      }
    );
  }

  private async invokeExecutor(): Promise<Settled> {
    const { task, deps } = this;
    try {
      const registered = deps.registry.forName(task.name);
      if (!registered) throw new Error(`No executor is registered for task "${task.name}"`);
      const executor = await deps.registry.resolveExecutor(registered, {
        backgroundTask: { id: task.id, name: task.name, createdBy: task.createdBy },
      });
      const context: BackgroundTaskContext<unknown, unknown> = {
        taskId: task.id,
        taskName: task.name,
        metadata: task.metadata,
        attempt: task.attempts,
        maxAttempts: task.maxAttempts,
        createdBy: task.createdBy,
        signal: this.controller.signal,
        progress: (update) => this.progress.report(update),
      };
      const outcome: unknown = await executor.execute(context);
      if (!isOutcome(outcome)) {
        throw new TypeError(
          `${registered.executorClass.name}.execute() must return TaskOutcome.success(…) or TaskOutcome.failure(…)`,
        );
      }
      return { kind: 'outcome', outcome };
    } catch (error) {
      return { kind: 'thrown', error };
    }
  }

  private toEnding(settled: Settled): RunEnding | undefined {
    if (this.abortCause === 'lease-lost' || this.abandoned) return undefined;
    const succeeded = settled.kind === 'outcome' && settled.outcome.kind === 'success';
    // Shutdown is not a failure: whatever the handler did on its way out, the task goes back to the queue.
    if (this.abortCause === 'shutdown' && !succeeded) return { kind: 'released' };
    if (settled.kind === 'thrown') {
      const error = settled.error;
      this.log(
        'error',
        `failed: ${describeError(error).message}`,
        error instanceof Error ? error.stack : undefined,
      );
      return { kind: 'failed', error: describeError(error) };
    }
    const outcome = settled.outcome;
    switch (outcome.kind) {
      case 'success':
        return { kind: 'completed', result: outcome.result };
      case 'failure':
        this.log('warn', 'ended with a failure outcome');
        return { kind: 'failed', error: outcome.error };
    }
  }

  private log(level: 'warn' | 'error', message: string, stack?: string): void {
    const line = `Task ${this.task.id} (${this.task.name}) ${message}`;
    if (level === 'error') this.deps.logger.error(line, stack);
    else this.deps.logger.warn(line);
  }
}
