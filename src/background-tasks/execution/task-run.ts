import type { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { BackgroundTaskContext, TaskProgressUpdate } from '../contract/background-task-context.js';
import { isTaskOutcome, type TaskOutcome } from '../contract/task-outcome.js';
import { UnrecoverableTaskError } from '../contract/unrecoverable-task.error.js';
import type { TaskChanges } from '../events/task-changes.js';
import type { AfterCommitHooks } from '../queue/after-commit-hooks.js';
import { CANCELLED_WHILE_RUNNING } from '../storage/ending-row.js';
import type { ClaimedTask, FinishedRun, RunEnding } from '../storage/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import { ProgressReporter } from './progress-reporter.js';
import type { RetryPolicy } from './retry-policy.js';
import type { AnyExecutor, RegisteredTask, TaskRegistry } from './task-registry.js';

/** Why a run's signal fired. */
export type AbortCause = 'shutdown' | 'lease-lost' | 'cancelled' | 'timeout';

const ABORT_MESSAGES: Record<AbortCause, string> = {
  shutdown: 'The worker is shutting down',
  'lease-lost': 'This worker lost the lease on the task',
  cancelled: 'The task was cancelled',
  timeout: 'The task ran out of time',
};

/** The reason of a run's AbortSignal. */
export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError';
  constructor(readonly abortCause: AbortCause) {
    super(ABORT_MESSAGES[abortCause]);
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

export interface TaskRunDependencies {
  readonly registry: TaskRegistry;
  readonly store: TaskStore;
  readonly retryPolicy: RetryPolicy;
  readonly logger: Logger;
  readonly changes: TaskChanges;
  readonly afterCommit: AfterCommitHooks;
}

/**
 * One run of one claimed task: resolves the executor, gives it a context, and turns what it returns (or
 * throws) into the ending to store. It never writes the ending itself: the worker batches endings.
 */
export class TaskRun {
  /** Made when the handler first reads its signal: most short tasks never do, and one costs microseconds. */
  private controller: AbortController | undefined;
  private abortCause: AbortCause | undefined;
  private executing = true;
  private abandoned = false;
  private executionMetadata: unknown;
  private timeoutTimer: NodeJS.Timeout | undefined;
  readonly progress: ProgressReporter;

  constructor(
    readonly task: ClaimedTask,
    private readonly deps: TaskRunDependencies,
  ) {
    this.executionMetadata = task.executionMetadata ?? undefined;
    this.progress = new ProgressReporter(
      task.progress,
      async (progress) => {
        const held = await deps.store.saveProgress(task.id, task.leaseOwner, progress);
        if (held) deps.changes.publish([task.id]);
        return held;
      },
      () => this.abort('lease-lost', 'its progress write was rejected'),
      (error) => this.log('warn', `progress write failed: ${describeError(error).message}`),
    );
  }

  /** True until the executor returns or throws. */
  get isExecuting(): boolean {
    return this.executing;
  }

  /** Fires the run's signal; `detail` says, for a lost lease, which write found it gone (for the log). */
  abort(cause: AbortCause, detail?: string): void {
    if (this.abortCause) return;
    this.abortCause = cause;
    if (cause === 'lease-lost') {
      this.log(
        'warn',
        `lease lost (${detail ?? 'fenced out'}): another worker may run this task; stopping this run`,
      );
    }
    this.controller?.abort(new TaskAbortedError(cause));
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
    clearTimeout(this.timeoutTimer);
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
      if (this.executionMetadata === undefined && executor.initialExecutionMetadata) {
        this.executionMetadata = executor.initialExecutionMetadata(task.metadata);
      }
      this.startTimeout(registered);
      const outcome: unknown = await executor.execute(this.context());
      if (!isTaskOutcome(outcome)) throw new TypeError(this.notAnOutcome(registered, executor));
      return { kind: 'outcome', outcome };
    } catch (error) {
      return { kind: 'thrown', error };
    }
  }

  private context(): BackgroundTaskContext<unknown, unknown> {
    const { task } = this;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the getters below need the run, not the context
    const run = this;
    return {
      taskId: task.id,
      taskName: task.name,
      metadata: task.metadata,
      // Always the last checkpoint, also after checkpoint() replaced it.
      get executionMetadata() {
        return run.executionMetadata;
      },
      checkpoint: (next: unknown, options?: { manager?: EntityManager }) =>
        this.checkpoint(next, options?.manager),
      attempt: task.attempts,
      maxAttempts: task.maxAttempts,
      createdBy: task.createdBy,
      get signal() {
        return run.signal();
      },
      progress: (update: TaskProgressUpdate) => this.progress.report(update),
    };
  }

  /** The run's signal, already aborted when the run was aborted before the handler asked for it. */
  private signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortCause) this.controller.abort(new TaskAbortedError(this.abortCause));
    }
    return this.controller.signal;
  }

  private async checkpoint(next: unknown, manager?: EntityManager): Promise<void> {
    if (this.abortCause === 'lease-lost' || this.abandoned) throw new TaskAbortedError('lease-lost');
    const { id, leaseOwner } = this.task;
    const held = await this.deps.store.checkpoint(id, leaseOwner, next, this.progress.current, manager);
    if (!held) {
      this.abort('lease-lost', 'its checkpoint was rejected');
      throw new TaskAbortedError('lease-lost');
    }
    this.executionMetadata = next;
    // Inside the caller's transaction, live views can read the new state only once it commits.
    const announce = () => this.deps.changes.publish([id]);
    if (manager) this.deps.afterCommit.runAfterCommit(manager, announce);
    else announce();
  }

  private startTimeout(registered: RegisteredTask): void {
    const timeoutMs = registered.definition.timeoutMs;
    if (timeoutMs !== undefined) this.timeoutTimer = setTimeout(() => this.abort('timeout'), timeoutMs);
  }

  private notAnOutcome(registered: RegisteredTask, executor: AnyExecutor): string {
    const name = registered.executorClass.name || executor.constructor.name;
    return `${name}.execute() must return a TaskOutcome (success, suspended, failure or cancellation)`;
  }

  /** Maps how the run ended to what is stored; every outcome kind is handled (the switch is exhaustive). */
  private toEnding(settled: Settled): RunEnding | undefined {
    if (this.abortCause === 'lease-lost' || this.abandoned) return undefined;
    const succeeded = settled.kind === 'outcome' && settled.outcome.kind === 'success';
    // Work that completed counts; otherwise, whatever a handler returns on its way out after its signal
    // fired, the cause of the abort decides.
    if (!succeeded) {
      switch (this.abortCause) {
        case 'shutdown':
          return { kind: 'released' };
        case 'cancelled':
          return { kind: 'cancelled', error: CANCELLED_WHILE_RUNNING };
        case 'timeout':
          return this.failure({ code: 'TIMEOUT', message: 'The task ran out of time and was aborted' }, true);
      }
    }
    if (settled.kind === 'thrown') {
      const error = settled.error;
      this.log(
        'error',
        `failed: ${describeError(error).message}`,
        error instanceof Error ? error.stack : undefined,
      );
      return this.failure(describeError(error), !(error instanceof UnrecoverableTaskError));
    }
    const outcome = settled.outcome;
    switch (outcome.kind) {
      case 'success':
        return { kind: 'completed', result: outcome.result };
      case 'suspended':
        return { kind: 'suspended', until: outcome.until ?? null };
      case 'failure':
        this.log('warn', 'ended with a failure outcome');
        return this.failure(outcome.error, outcome.retry);
      case 'cancellation':
        return { kind: 'cancelled', error: outcome.error };
      default: {
        const unhandled: never = outcome;
        throw new Error(`Unhandled task outcome ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /** A failure is retried after a delay while attempts remain, unless it says it is not worth it. */
  private failure(error: unknown, retryable: boolean): RunEnding {
    const { attempts, maxAttempts } = this.task;
    const attemptError = { attempt: attempts, at: new Date().toISOString(), error };
    if (retryable && attempts < maxAttempts) {
      const runAfter = new Date(Date.now() + this.deps.retryPolicy.delayAfter(attempts));
      return { kind: 'retrying', error, attemptError, runAfter };
    }
    return { kind: 'failed', error, attemptError };
  }

  private log(level: 'warn' | 'error', message: string, stack?: string): void {
    const line = `Task ${this.task.id} (${this.task.name}) ${message}`;
    if (level === 'error') this.deps.logger.error(line, stack);
    else this.deps.logger.warn(line);
  }
}
