import { Injectable, Module } from '@nestjs/common';
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import type { BenchPayload } from '../harness/queue-under-test.js';

/**
 * Where the no-op task reports its start. The harness sets `next` before it boots a worker, so that tasks
 * the worker starts during its boot (a backlog waiting for it) are reported too.
 */
@Injectable()
export class BenchProbe {
  static next: (payload: BenchPayload) => void = () => undefined;
  readonly onTaskStart = BenchProbe.next;
}

/** The benchmark's task: reports its start and succeeds, so the figures measure the queue alone. */
@BackgroundTask('bench.noop')
export class NoopBenchTask implements BackgroundTaskExecutor<BenchPayload, void, void> {
  constructor(private readonly probe: BenchProbe) {}

  execute({ metadata }: BackgroundTaskContext<BenchPayload>) {
    this.probe.onTaskStart(metadata);
    return Promise.resolve(TaskOutcome.success());
  }
}

/**
 * A task reporting progress 100,000 times over about five seconds (a burst of 1,000 reports, then 50 ms of
 * "work"): the throttle, not the task, decides how often progress is written.
 */
@BackgroundTask('bench.progress')
export class ProgressFloodBenchTask implements BackgroundTaskExecutor<
  { reports: number },
  void,
  { reports: number }
> {
  async execute({ metadata, progress }: BackgroundTaskContext<{ reports: number }>) {
    for (let i = 1; i <= metadata.reports; i++) {
      progress({ step: 1, info: `Report ${i}`, percent: (i / metadata.reports) * 100 });
      if (i % 1_000 === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return TaskOutcome.success({ reports: metadata.reports });
  }
}

@Module({ providers: [BenchProbe, NoopBenchTask, ProgressFloodBenchTask], exports: [BenchProbe] })
export class BenchTasksModule {}
