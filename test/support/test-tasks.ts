import { setTimeout as delay } from 'node:timers/promises';
import { Inject, Injectable, Module, Scope } from '@nestjs/common';
import { REQUEST } from '@nestjs/core';
import { DataSource } from 'typeorm';
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import type { BackgroundTaskRunRequest } from '../../src/background-tasks/execution/task-registry.js';
import { DatabaseConfig } from '../../src/database/database-config.js';

/** The side table in which `test.record-run` records every run, to count how often each task ran. */
export const RUNS_TABLE = 'test_task_runs';

export function createRunsTableSql(engine: string, qualifiedTable: string): string {
  const text = engine === 'sqlserver' ? 'nvarchar(200)' : engine === 'postgres' ? 'varchar(200)' : 'TEXT';
  return `CREATE TABLE ${qualifiedTable} (task_id ${text} NOT NULL, attempt integer NOT NULL, worker ${text} NOT NULL)`;
}

function qualified(config: DatabaseConfig, table: string): string {
  if (config.engine === 'sqlite') return `"${table}"`;
  return config.engine === 'postgres' ? `"${config.schema}"."${table}"` : `[${config.schema}].[${table}]`;
}

/** Records the run in the side table, then succeeds. */
@BackgroundTask('test.record-run')
export class RecordRunTask implements BackgroundTaskExecutor<{ label?: string }, never, { recorded: true }> {
  private readonly insert: string;

  constructor(
    private readonly dataSource: DataSource,
    config: DatabaseConfig,
  ) {
    const placeholders = { sqlite: '?, ?, ?', postgres: '$1, $2, $3', sqlserver: '@0, @1, @2' }[
      config.engine
    ];
    this.insert = `INSERT INTO ${qualified(config, RUNS_TABLE)} (task_id, attempt, worker) VALUES (${placeholders})`;
  }

  async execute({ taskId, attempt }: BackgroundTaskContext<{ label?: string }>) {
    await this.dataSource.query(this.insert, [taskId, attempt, String(process.pid)]);
    return TaskOutcome.success({ recorded: true as const });
  }
}

export interface SleepMetadata {
  readonly ms: number;
  /** Keep sleeping after the signal fires, like a handler that ignores cancellation. */
  readonly ignoreSignal?: boolean;
}

/** Sleeps, reporting progress every 10 ms; stops when its signal fires unless told to ignore it. */
@BackgroundTask('test.sleep')
export class SleepTask implements BackgroundTaskExecutor<SleepMetadata, never, { sleptMs: number }> {
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

export interface FailMetadata {
  readonly mode: 'throw' | 'outcome';
  readonly message: string;
}

@BackgroundTask('test.fail')
export class FailingTask implements BackgroundTaskExecutor<FailMetadata, never, void, { message: string }> {
  execute({ metadata }: BackgroundTaskContext<FailMetadata>) {
    if (metadata.mode === 'throw') return Promise.reject(new Error(metadata.message));
    return Promise.resolve(TaskOutcome.failure({ message: metadata.message }));
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
  never,
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
  providers: [RecordRunTask, SleepTask, FailingTask, RunScopedInfo, RequestScopedTask],
})
export class TestTasksModule {}
