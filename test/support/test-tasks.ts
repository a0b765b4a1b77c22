import { EventEmitter } from 'node:events';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { IsBoolean, IsOptional, IsString, MaxLength } from 'class-validator';
import { REQUEST } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import { UnrecoverableTaskError } from '../../src/background-tasks/contract/unrecoverable-task.error.js';
import type { BackgroundTaskRunRequest } from '../../src/background-tasks/registry/task-registry.js';
import { FilesConfig } from '../../src/shared/files.config.js';
import { DatabaseConfig } from '../../src/database/database-config.js';
import { behave, type BehaviourMetadata } from './handler-behaviours.js';
import { TicksTask } from './test-tasks-http.js';

/** The side table in which `test.record-run` records every run, to count how often each task ran. */
export const RUNS_TABLE = 'test_task_runs';

export function createRunsTableSql(engine: string, qualifiedTable: string): string {
  const text = engine === 'sqlserver' ? 'nvarchar(200)' : engine === 'postgres' ? 'varchar(200)' : 'TEXT';
  return (
    `CREATE TABLE ${qualifiedTable} (task_id ${text} NOT NULL, attempt integer NOT NULL, ` +
    `worker ${text} NOT NULL, step integer NULL, recorded_at ${text} NOT NULL)`
  );
}

/** Inserts a row into the side table, on the application's own connection. */
@Injectable()
export class RunsTable {
  private readonly insert: string;

  constructor(
    private readonly dataSource: DataSource,
    config: DatabaseConfig,
  ) {
    const values = {
      sqlite: '?, ?, ?, ?, ?',
      postgres: '$1, $2, $3, $4, $5',
      sqlserver: '@0, @1, @2, @3, @4',
    }[config.engine];
    this.insert =
      `INSERT INTO ${qualified(config, RUNS_TABLE)} (task_id, attempt, worker, step, recorded_at) ` +
      `VALUES (${values})`;
  }

  /** `at`: what to record as the time, the ISO time now by default. */
  async record(
    taskId: string,
    attempt: number,
    step: number | null = null,
    at = new Date().toISOString(),
  ): Promise<void> {
    const values = [taskId, attempt, String(process.pid), step, at];
    await this.dataSource.query(this.insert, values);
  }
}

function qualified(config: DatabaseConfig, table: string): string {
  if (config.engine === 'sqlite') return `"${table}"`;
  return config.engine === 'postgres' ? `"${config.schema}"."${table}"` : `[${config.schema}].[${table}]`;
}

/** Records the run in the side table, then succeeds. */
@BackgroundTask('test.record-run')
export class RecordRunTask implements BackgroundTaskExecutor<{ label?: string }, void, { recorded: true }> {
  constructor(private readonly runs: RunsTable) {}

  async execute({ taskId, attempt }: BackgroundTaskContext<{ label?: string }>) {
    await this.runs.record(taskId, attempt);
    return TaskOutcome.success({ recorded: true as const });
  }
}

export interface StepsMetadata {
  readonly steps: number;
  readonly stepMs: number;
}

export interface StepsCheckpoint {
  readonly nextStep: number;
}

/**
 * The steps from the checkpoint on, following the checkpoint rule: each step's work is made durable (a row in
 * the side table) before the checkpoint that records it.
 */
async function runSteps(
  context: BackgroundTaskContext<StepsMetadata, StepsCheckpoint>,
  runs: RunsTable,
): Promise<void> {
  const { metadata, signal, progress, taskId, attempt } = context;
  for (let step = context.executionMetadata!.nextStep; step <= metadata.steps; step++) {
    progress({
      step,
      info: `Step ${step} of ${metadata.steps}`,
      percent: ((step - 1) / metadata.steps) * 100,
    });
    await delay(metadata.stepMs, undefined, { signal });
    await runs.record(taskId, attempt, step);
    await context.checkpoint({ nextStep: step + 1 });
  }
}

/** A multi-step task (see runSteps): a run that starts again resumes at `nextStep`. */
@BackgroundTask('test.steps')
export class StepsTask implements BackgroundTaskExecutor<StepsMetadata, StepsCheckpoint, { steps: number }> {
  constructor(private readonly runs: RunsTable) {}

  initialExecutionMetadata(): StepsCheckpoint {
    return { nextStep: 1 };
  }

  async execute(context: BackgroundTaskContext<StepsMetadata, StepsCheckpoint>) {
    await runSteps(context, this.runs);
    return TaskOutcome.success({ steps: context.metadata.steps });
  }
}

/**
 * The fault suite's task: a row at the start of every run (step 0), then three steps, each recording its side
 * effect before the checkpoint that marks it done. A crash between the two repeats that one step; a crash
 * anywhere else repeats nothing.
 */
@BackgroundTask('test.fault-steps')
export class FaultStepsTask implements BackgroundTaskExecutor<
  StepsMetadata,
  StepsCheckpoint,
  { pid: number }
> {
  constructor(private readonly runs: RunsTable) {}

  initialExecutionMetadata(): StepsCheckpoint {
    return { nextStep: 1 };
  }

  async execute(context: BackgroundTaskContext<StepsMetadata, StepsCheckpoint>) {
    await this.runs.record(context.taskId, context.attempt, 0);
    await runSteps(context, this.runs);
    return TaskOutcome.success({ pid: process.pid });
  }
}

/**
 * Sleeps for `ms` on its first run, after a checkpoint that says so; a later run (after a shutdown put the
 * task back) sees the checkpoint and finishes at once.
 */
@BackgroundTask('test.resumable-sleep')
export class ResumableSleepTask implements BackgroundTaskExecutor<
  { ms: number },
  { started: boolean },
  { resumed: boolean }
> {
  async execute(context: BackgroundTaskContext<{ ms: number }, { started: boolean }>) {
    if (context.executionMetadata?.started) return TaskOutcome.success({ resumed: true });
    await context.checkpoint({ started: true });
    await delay(context.metadata.ms, undefined, { signal: context.signal });
    return TaskOutcome.success({ resumed: false });
  }
}

/**
 * Appends "<task id> <pid>" to DATA_DIR/runs.log and sleeps: a record of every run that does not depend on
 * the database, for the scenario that takes the database away.
 */
@BackgroundTask('test.file-record')
export class FileRecordTask implements BackgroundTaskExecutor<{ ms: number }> {
  constructor(private readonly files: FilesConfig) {}

  async execute({ taskId, metadata, signal }: BackgroundTaskContext<{ ms: number }>) {
    appendFileSync(join(this.files.dataDir, 'runs.log'), `${taskId} ${process.pid}\n`);
    await delay(metadata.ms, undefined, { signal });
    return TaskOutcome.success();
  }
}

export interface FlakyMetadata {
  readonly succeedOnAttempt: number;
  readonly how: 'throw' | 'unrecoverable' | 'final-outcome';
}

/** Fails (throws, or returns a failure) until its `succeedOnAttempt`-th run. */
@BackgroundTask('test.flaky', { maxRetryCount: 5 })
export class FlakyTask implements BackgroundTaskExecutor<FlakyMetadata, void, void, { message: string }> {
  execute({ metadata, attempt }: BackgroundTaskContext<FlakyMetadata>) {
    if (attempt >= metadata.succeedOnAttempt) return Promise.resolve(TaskOutcome.success());
    switch (metadata.how) {
      case 'throw':
        return Promise.reject(new Error(`attempt ${attempt} failed`));
      case 'unrecoverable':
        return Promise.reject(new UnrecoverableTaskError('the input can never work', 'BAD_INPUT'));
      case 'final-outcome':
        return Promise.resolve(TaskOutcome.failure({ message: 'not worth retrying' }, { retry: false }));
    }
  }
}

/** The execution metadata of the approval task; a resume request's patch is validated against it. */
export class ApprovalState {
  @IsBoolean()
  waiting!: boolean;

  @IsOptional()
  @IsString()
  @MaxLength(50)
  approvedBy?: string;
}

/** Suspends on its first run (until a time, or until resumed), completes on the next with who approved it. */
@BackgroundTask('test.approval', { executionMetadataType: ApprovalState })
export class ApprovalTask implements BackgroundTaskExecutor<
  { resumeInMs?: number },
  ApprovalState,
  { approvedBy: string | null }
> {
  async execute(context: BackgroundTaskContext<{ resumeInMs?: number }, ApprovalState>) {
    const state = context.executionMetadata;
    if (!state?.waiting) {
      await context.checkpoint({ waiting: true });
      const { resumeInMs } = context.metadata;
      return TaskOutcome.suspended(resumeInMs === undefined ? undefined : new Date(Date.now() + resumeInMs));
    }
    return TaskOutcome.success({ approvedBy: state.approvedBy ?? null });
  }
}

@BackgroundTask('test.cancel-itself')
export class SelfCancellingTask implements BackgroundTaskExecutor<void, void, void, { reason: string }> {
  execute() {
    return Promise.resolve(TaskOutcome.cancellation({ reason: 'the source was deleted' }));
  }
}

/** Takes far longer than its timeout allows, and stops when its signal fires. */
@BackgroundTask('test.too-slow', { timeout: '200ms', maxRetryCount: 1 })
export class TooSlowTask implements BackgroundTaskExecutor {
  async execute({ signal }: BackgroundTaskContext<void>) {
    await delay(10_000, undefined, { signal });
    return TaskOutcome.success();
  }
}

export interface SleepMetadata {
  readonly ms: number;
  /** Keep sleeping after the signal fires, like a handler that ignores cancellation. */
  readonly ignoreSignal?: boolean;
}

/** Sleeps, reporting progress every 10 ms; stops when its signal fires unless told to ignore it. */
@BackgroundTask('test.sleep')
export class SleepTask implements BackgroundTaskExecutor<SleepMetadata, void, { sleptMs: number }> {
  async execute({ metadata, signal, progress }: BackgroundTaskContext<SleepMetadata>) {
    const started = Date.now();
    while (Date.now() - started < metadata.ms) {
      if (signal.aborted && !metadata.ignoreSignal) throw signal.reason;
      progress({ step: 1, percent: ((Date.now() - started) / metadata.ms) * 100, info: 'sleeping' });
      await delay(10);
    }
    return TaskOutcome.success({ sleptMs: Date.now() - started });
  }
}

/**
 * StubbornTask's handlers: it emits `started` with the task id once its handler runs; emit `release` with
 * a task id to let its handler return (it does after `ms` otherwise); it emits `returned` with the task id
 * when it does, abandoned or not.
 */
export const stubbornTaskReturns = new EventEmitter();

/**
 * Ignores its signal: sleeps `ms`, or until the test releases it, then succeeds. A handler that outlives
 * every grace period, and returns when the test says so.
 */
@BackgroundTask('test.stubborn')
export class StubbornTask implements BackgroundTaskExecutor<{ ms: number }, void, { returned: true }> {
  async execute({ taskId, metadata }: BackgroundTaskContext<{ ms: number }>) {
    stubbornTaskReturns.emit('started', taskId);
    const timer = new AbortController();
    const onRelease = (id: string) => id === taskId && timer.abort();
    stubbornTaskReturns.on('release', onRelease);
    try {
      await delay(metadata.ms, undefined, { signal: timer.signal }).catch(() => undefined);
    } finally {
      stubbornTaskReturns.off('release', onRelease);
    }
    stubbornTaskReturns.emit('returned', taskId);
    return TaskOutcome.success({ returned: true as const });
  }
}

export interface FailMetadata {
  readonly mode: 'throw' | 'outcome';
  readonly message: string;
}

@BackgroundTask('test.fail')
export class FailingTask implements BackgroundTaskExecutor<FailMetadata, void, void, { message: string }> {
  execute({ metadata }: BackgroundTaskContext<FailMetadata>) {
    if (metadata.mode === 'throw') return Promise.reject(new Error(metadata.message));
    return Promise.resolve(TaskOutcome.failure({ message: metadata.message }));
  }
}

/**
 * Does what its metadata says (see handler-behaviours.ts): succeeds, throws a non-Error, returns what no
 * database can store, hangs, … Its timeout ends the ones that never settle.
 */
@BackgroundTask('test.behaviour', { timeout: '1s', maxRetryCount: 0 })
export class BehaviourTask implements BackgroundTaskExecutor<
  BehaviourMetadata,
  { step: number },
  unknown,
  unknown
> {
  execute(context: BackgroundTaskContext<BehaviourMetadata, { step: number }>) {
    return behave(context);
  }
}

/** A request-scoped provider: one instance per task run, built from the run's REQUEST. */
@Injectable({ scope: Scope.REQUEST })
export class RunScopedInfo {
  static instances = 0;
  readonly instanceNumber = ++RunScopedInfo.instances;
  constructor(@Inject(REQUEST) readonly request: BackgroundTaskRunRequest) {}
}

@BackgroundTask('test.request-scoped')
export class RequestScopedTask implements BackgroundTaskExecutor<
  void,
  void,
  { taskIdFromRequest: string; instanceNumber: number }
> {
  constructor(private readonly info: RunScopedInfo) {}

  execute() {
    return Promise.resolve(
      TaskOutcome.success({
        taskIdFromRequest: this.info.request.backgroundTask.id,
        instanceNumber: this.info.instanceNumber,
      }),
    );
  }
}

@Module({
  providers: [
    RunsTable,
    RecordRunTask,
    StepsTask,
    FaultStepsTask,
    ResumableSleepTask,
    FileRecordTask,
    SleepTask,
    FailingTask,
    FlakyTask,
    ApprovalTask,
    SelfCancellingTask,
    TooSlowTask,
    RunScopedInfo,
    RequestScopedTask,
    BehaviourTask,
    StubbornTask,
    TicksTask,
  ],
})
export class TestTasksModule {}
