import type { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { BackgroundTaskContext, TaskProgressUpdate } from '../contract/background-task-context.js';
import { TaskErrorCode } from '../contract/task-error-codes.js';
import { TaskPayloadError } from '../contract/task-payload.error.js';
import { UnrecoverableTaskError } from '../contract/unrecoverable-task.error.js';
import type { TaskEvents } from '../events/task-events.js';
import { taskLogFields } from '../task-log-fields.js';
import type { AfterCommitHooks } from '../queue/after-commit-hooks.js';
import { CANCELLED_WHILE_RUNNING, toJson } from '../storage/ending-row.js';
import { encodeTaskJson } from '../storage/task-json.js';
import type { ClaimedTask, FinishedRun, RunEnding, TaskProgress } from '../model/task-records.js';
import type { TaskStore } from '../storage/task-store.js';
import type { LeaseHolder } from './lease-keeper.js';
import { ProgressReporter } from './progress-reporter.js';
import { NotAnOutcome, readReturnedOutcome, type ReturnedOutcome } from './returned-outcome.js';
import type { RetryPolicy } from './retry-policy.js';
import { describeThrown, stackOf, storableText } from './run-errors.js';
import type { TaskRegistry } from '../registry/task-registry.js';

/** Why a run's signal fired. */
export type AbortCause = 'shutdown' | 'lease-lost' | 'cancelled' | 'timeout';

const ABORT_MESSAGES: Record<AbortCause, string> = {
  shutdown: 'The worker is shutting down',
  'lease-lost': 'This worker lost the lease on the task',
  cancelled: 'The task was cancelled',
  timeout: 'The task ran out of time',
};

/** The reason of a run's AbortSignal, and what checkpoint() rejects with once the run may write no more. */
export class TaskAbortedError extends Error {
  override readonly name = 'TaskAbortedError';
  constructor(readonly abortCause: AbortCause | 'run-over') {
    super(abortCause === 'run-over' ? 'This run of the task is over' : ABORT_MESSAGES[abortCause]);
  }
}

/** How the handler's part of a run ended. */
type Settled =
  | { readonly kind: 'returned'; readonly outcome: ReturnedOutcome }
  | { readonly kind: 'not-an-outcome'; readonly problem: NotAnOutcome }
  | { readonly kind: 'threw'; readonly error: unknown }
  /** Its signal fired and it did not settle within the grace period: the run ends without it. */
  | { readonly kind: 'abandoned' };

export interface TaskRunDependencies {
  readonly registry: TaskRegistry;
  readonly store: TaskStore;
  readonly retryPolicy: RetryPolicy;
  readonly logger: Logger;
  readonly events: TaskEvents;
  readonly afterCommit: AfterCommitHooks;
  /** Largest JSON a checkpoint, result or error may be (TASK_PAYLOAD_MAX_SIZE). */
  readonly payloadMaxBytes: number;
  /** How long a handler has to settle once its signal fired before the run ends without it. */
  readonly abortGraceMs: number;
}

/**
 * One run of one claimed task: resolves the executor, gives it a context, and turns whatever it returns,
 * throws or fails to do into the ending to store. It never writes the ending itself (the worker's
 * EndingWriter batches them) and `execute` never rejects.
 *
 * Its boundary with the handler: every value that comes from the handler is read inside a try, checked
 * (readReturnedOutcome, encodeTaskJson, describeThrown) and turned into a well-formed RunEnding, so no
 * handler can make the worker throw. A handler that does not settle within `abortGraceMs` after its signal
 * fired (a timeout, a cancellation, a lost lease or a shutdown) is abandoned: the run ends as that cause
 * says, its slot is given back, and nothing the handler does afterwards is written (progress is closed,
 * checkpoint rejects). JavaScript cannot stop the handler's code, only disown it.
 */
export class TaskRun implements LeaseHolder {
  /** Made when the handler first reads its signal: most short tasks never do, and one costs microseconds. */
  private controller: AbortController | undefined;
  /** Made at the first progress report: most short tasks make none. */
  private reporter: ProgressReporter | undefined;
  private abortCause: AbortCause | undefined;
  private executing = true;
  private executionMetadata: unknown;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  /** Settles `execute`: with how the handler ended, or as abandoned after the grace period. */
  private settle: ((settled: Settled) => void) | undefined;

  constructor(
    readonly task: ClaimedTask,
    private readonly deps: TaskRunDependencies,
  ) {
    this.executionMetadata = task.executionMetadata ?? undefined;
  }

  /** True until the handler settles or is abandoned. */
  get isExecuting(): boolean {
    return this.executing;
  }

  /** What the handler has reported so far (the claimed progress until it reports any). */
  get progress(): TaskProgress {
    return this.reporter?.current ?? this.task.progress;
  }

  /** LeaseHolder: a renewal found the lease gone. */
  leaseLost(): void {
    this.abort('lease-lost', 'its lease renewal was rejected');
  }

  /** LeaseHolder: a renewal found a cancellation request. */
  cancelRequested(): void {
    this.abort('cancelled');
  }

  /**
   * Fires the run's signal (the first cause wins); `detail` says, for a lost lease, which write found it
   * gone. From now on the handler has `abortGraceMs` to settle before the run ends without it.
   */
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
    if (this.executing) this.graceTimer = setTimeout(() => this.abandon(cause), this.deps.abortGraceMs);
  }

  /** The handler outlived the grace period after its signal fired: the run ends without it. */
  private abandon(cause: AbortCause): void {
    this.log(
      'warn',
      `did not stop within ${this.deps.abortGraceMs} ms of its signal (${cause}); the run ends without it, ` +
        'and nothing the handler does from now on is written',
    );
    this.settle?.({ kind: 'abandoned' });
  }

  /**
   * Runs the handler to its end, or until it is abandoned; resolves with the ending to store, or undefined
   * when this worker no longer owns the task. Never rejects.
   */
  async execute(): Promise<FinishedRun | undefined> {
    const settled = await new Promise<Settled>((resolve) => {
      this.settle = resolve;
      void this.invokeExecutor().then(resolve);
    });
    this.executing = false;
    clearTimeout(this.timeoutTimer);
    clearTimeout(this.graceTimer);
    await this.reporter?.close();
    let ending: RunEnding | undefined;
    try {
      ending = this.toEnding(settled);
    } catch (error) {
      // Nothing above should throw; if it does, the task still ends, and the log says why.
      this.log(
        'error',
        `could not record how the run ended: ${describeThrown(error).message}`,
        stackOf(error),
      );
      ending = this.failure(
        { code: TaskErrorCode.INTERNAL_ERROR, message: 'The worker could not record how the run ended' },
        true,
      );
    }
    const { id, leaseOwner, attempts: attempt } = this.task;
    return ending && { id, leaseOwner, attempt, ending, progress: this.progress };
  }

  private async invokeExecutor(): Promise<Settled> {
    const { task, deps } = this;
    try {
      const registered = deps.registry.forName(task.name);
      if (!registered) {
        throw new UnrecoverableTaskError(
          `No executor is registered for task "${task.name}"`,
          TaskErrorCode.NO_EXECUTOR,
        );
      }
      const timeoutMs = registered.definition.timeoutMs;
      if (timeoutMs !== undefined) this.timeoutTimer = setTimeout(() => this.abort('timeout'), timeoutMs);
      const executor =
        deps.registry.singletonOf(registered) ??
        (await deps.registry.resolveExecutor(registered, {
          backgroundTask: { id: task.id, name: task.name, createdBy: task.createdBy },
        }));
      if (this.executionMetadata === undefined && executor.initialExecutionMetadata) {
        this.executionMetadata = executor.initialExecutionMetadata(task.metadata);
      }
      const returned: unknown = await executor.execute(new RunContext(this));
      const outcome = readReturnedOutcome(returned, registered.executorClass.name);
      return outcome instanceof NotAnOutcome
        ? { kind: 'not-an-outcome', problem: outcome }
        : { kind: 'returned', outcome };
    } catch (error) {
      return { kind: 'threw', error };
    }
  }

  /** The last checkpoint: the context reads it through here, so it is current after checkpoint(). */
  get lastCheckpoint(): unknown {
    return this.executionMetadata;
  }

  /** The context's progress(): throttled writes, made by a reporter created on the first report. */
  reportProgress(update: TaskProgressUpdate): void {
    if (!this.executing) return;
    (this.reporter ??= this.newReporter()).report(update);
  }

  private newReporter(): ProgressReporter {
    const { task, deps } = this;
    return new ProgressReporter(
      task.progress,
      async (progress) => {
        const held = await deps.store.saveProgress(task.id, task.leaseOwner, progress);
        if (held) deps.events.emit({ kind: 'progressed', task });
        return held;
      },
      () => this.abort('lease-lost', 'its progress write was rejected'),
      (error) => this.log('warn', `progress write failed: ${describeThrown(error).message}`),
    );
  }

  /** The run's signal, already aborted when the run was aborted before the handler asked for it. */
  signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortCause) this.controller.abort(new TaskAbortedError(this.abortCause));
    }
    return this.controller.signal;
  }

  async checkpoint(next: unknown, manager?: EntityManager): Promise<void> {
    if (!this.executing) throw new TaskAbortedError('run-over');
    if (this.abortCause === 'lease-lost') throw new TaskAbortedError('lease-lost');
    const encoded = encodeTaskJson(next, this.deps.payloadMaxBytes);
    if (!encoded.ok) {
      throw new TaskPayloadError(
        `The checkpoint cannot be stored: ${encoded.reason}`,
        encoded.problem === 'too-large'
          ? TaskErrorCode.CHECKPOINT_TOO_LARGE
          : TaskErrorCode.CHECKPOINT_NOT_STORABLE,
      );
    }
    const { task } = this;
    const { store, events, afterCommit } = this.deps;
    const held = await store.checkpoint(task.id, task.leaseOwner, encoded.json, this.progress, manager);
    if (!held) {
      this.abort('lease-lost', 'its checkpoint was rejected');
      throw new TaskAbortedError('lease-lost');
    }
    this.executionMetadata = next;
    // Inside the caller's transaction, the checkpoint is there for others only once it commits.
    const announce = () => events.emit({ kind: 'checkpointed', task });
    if (manager) afterCommit.runAfterCommit(manager, announce);
    else announce();
  }

  /** Maps how the run ended to what is stored; every outcome kind is handled (the switch is exhaustive). */
  private toEnding(settled: Settled): RunEnding | undefined {
    if (this.abortCause === 'lease-lost') return undefined;
    if (settled.kind === 'returned' && settled.outcome.kind === 'success') {
      // Work that completed counts, whatever fired the signal meanwhile.
      return this.completed(settled.outcome.result);
    }
    // Otherwise, whatever a handler returns on its way out after its signal fired, the cause decides.
    switch (this.abortCause) {
      case 'shutdown':
        return { kind: 'released' };
      case 'cancelled':
        return { kind: 'cancelled', errorJson: toJson(CANCELLED_WHILE_RUNNING) };
      case 'timeout':
        return this.failure(
          { code: TaskErrorCode.TIMEOUT, message: 'The task ran out of time and was aborted' },
          true,
        );
    }
    switch (settled.kind) {
      case 'abandoned':
        throw new Error('a run is only abandoned after its signal fired'); // unreachable: see abort()
      case 'threw': {
        const { error } = settled;
        const described = describeThrown(error);
        this.log('error', `failed: ${described.message}`, stackOf(error));
        return this.failure(described, !(error instanceof UnrecoverableTaskError));
      }
      case 'not-an-outcome':
        this.log('error', settled.problem.message);
        return this.failure({ code: settled.problem.code, message: settled.problem.message }, false);
      case 'returned':
        return this.fromOutcome(settled.outcome);
    }
  }

  private fromOutcome(outcome: ReturnedOutcome): RunEnding {
    switch (outcome.kind) {
      case 'success':
        return this.completed(outcome.result);
      case 'suspended':
        return { kind: 'suspended', until: outcome.until };
      case 'failure':
        this.log('warn', 'ended with a failure outcome');
        return this.failure(outcome.error, outcome.retry);
      case 'cancellation':
        return { kind: 'cancelled', errorJson: this.errorJson(outcome.error) };
    }
  }

  /** A result that cannot be stored fails the run for good: the same code would build it again. */
  private completed(result: unknown): RunEnding {
    const encoded = encodeTaskJson(result, this.deps.payloadMaxBytes);
    if (encoded.ok) return { kind: 'completed', resultJson: encoded.json };
    const code =
      encoded.problem === 'too-large' ? TaskErrorCode.RESULT_TOO_LARGE : TaskErrorCode.RESULT_NOT_STORABLE;
    const message = `The task succeeded, but its result cannot be stored: ${encoded.reason}`;
    this.log('error', message);
    return this.failure({ code, message }, false);
  }

  /** A failure is retried after a delay while attempts remain, unless it says it is not worth it. */
  private failure(error: unknown, retryable: boolean): RunEnding {
    const { attempts, maxAttempts } = this.task;
    const errorJson = this.errorJson(error);
    const attemptErrorJson = `{"attempt":${attempts},"at":"${new Date().toISOString()}","error":${errorJson}}`;
    if (retryable && attempts < maxAttempts) {
      const runAfter = new Date(Date.now() + this.deps.retryPolicy.delayAfter(attempts));
      return { kind: 'retrying', errorJson, attemptErrorJson, runAfter };
    }
    return { kind: 'failed', errorJson, attemptErrorJson };
  }

  /**
   * The error a run ends with, as JSON. One that cannot be stored is replaced by a description of the
   * problem with the start of what it was, so the failure itself (and its retry) still counts.
   */
  private errorJson(error: unknown): string {
    const encoded = encodeTaskJson(error, this.deps.payloadMaxBytes);
    if (encoded.ok) return encoded.json;
    let start: string | undefined;
    try {
      start = storableText(JSON.stringify(error) ?? '', 1000);
    } catch {
      start = undefined;
    }
    return toJson({
      code:
        encoded.problem === 'too-large' ? TaskErrorCode.ERROR_TOO_LARGE : TaskErrorCode.ERROR_NOT_STORABLE,
      message: `The task's error cannot be stored: ${encoded.reason}`,
      ...(start ? { start } : {}),
    });
  }

  private log(level: 'warn' | 'error', message: string, stack?: string): void {
    const line = `Task ${this.task.id} (${this.task.name}) ${message}`;
    const fields = taskLogFields(this.task);
    if (level === 'error') this.deps.logger.error(line, fields, stack);
    else this.deps.logger.warn(line, fields);
  }
}

/**
 * What a handler receives: read-only facts of the run, and the run's own progress, checkpoint and signal.
 * A class rather than an object literal, so that a run allocates no closures up front; `progress` and
 * `checkpoint` are bound on first read, so destructuring them (`execute({ progress })`) still works.
 */
class RunContext implements BackgroundTaskContext<unknown, unknown> {
  readonly taskId: string;
  readonly taskName: string;
  readonly metadata: unknown;
  readonly attempt: number;
  readonly maxAttempts: number;
  readonly createdBy: string | null;
  private boundProgress: ((update: TaskProgressUpdate) => void) | undefined;
  private boundCheckpoint:
    ((next: unknown, options?: { manager?: EntityManager }) => Promise<void>) | undefined;

  constructor(private readonly run: TaskRun) {
    const { task } = run;
    this.taskId = task.id;
    this.taskName = task.name;
    this.metadata = task.metadata;
    this.attempt = task.attempts;
    this.maxAttempts = task.maxAttempts;
    this.createdBy = task.createdBy;
  }

  /** Always the last checkpoint, also after checkpoint() replaced it. */
  get executionMetadata(): unknown {
    return this.run.lastCheckpoint;
  }

  get signal(): AbortSignal {
    return this.run.signal();
  }

  get progress(): (update: TaskProgressUpdate) => void {
    return (this.boundProgress ??= (update) => this.run.reportProgress(update));
  }

  get checkpoint(): (next: unknown, options?: { manager?: EntityManager }) => Promise<void> {
    return (this.boundCheckpoint ??= (next, options) => this.run.checkpoint(next, options?.manager));
  }
}
