import { setTimeout as delay } from 'node:timers/promises';
import { Module } from '@nestjs/common';
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import { RunsTable } from './test-tasks.js';

/** The limits the overlap test checks: at most 3 of the name and 1 of each key run at once. */
export const FLOW_LIMITED = { concurrency: 3, concurrencyPerKey: 1 } as const;

export interface FlowRunMetadata {
  readonly key: string;
  /** How long the handler runs: long enough for other claims to race for its place. */
  readonly runMs: number;
}

/**
 * Records its start and its end in the runs table (step 0 and 1), each stamped with the system-wide
 * monotonic clock (CLOCK_MONOTONIC, the same in every process of the machine) in nanoseconds, so that the
 * test can replay every run of every process on one time line and count how many overlapped.
 */
@BackgroundTask('test.flow-limited', FLOW_LIMITED)
export class FlowLimitedTask implements BackgroundTaskExecutor<FlowRunMetadata> {
  constructor(private readonly runs: RunsTable) {}

  async execute({ taskId, attempt, metadata }: BackgroundTaskContext<FlowRunMetadata>) {
    await this.runs.record(taskId, attempt, 0, process.hrtime.bigint().toString());
    await delay(metadata.runMs);
    await this.runs.record(taskId, attempt, 1, process.hrtime.bigint().toString());
    return TaskOutcome.success();
  }
}

/**
 * Flow-controlled test tasks, in a module of their own: a worker that registers a flow-controlled name runs
 * a claim of its own for it every round, which the other suites should not pay for.
 */
@Module({ providers: [RunsTable, FlowLimitedTask] })
export class FlowTestTasksModule {}
