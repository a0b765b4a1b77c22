import { Module } from '@nestjs/common';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type { BackgroundTaskExecutor } from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';

/**
 * A recurring task for the operator console's suites. Its schedule (midnight of New Year's Day in Tokyo)
 * never fires while a suite runs; "run now" is how its tasks come.
 */
@BackgroundTask('test.yearly-report', {
  schedule: { cron: '0 0 1 1 *', timeZone: 'Asia/Tokyo', metadata: { year: 'current' } },
})
export class YearlyReportTask implements BackgroundTaskExecutor<{ year: string }, void, { year: string }> {
  execute({ metadata }: { metadata: { year: string } }) {
    return Promise.resolve(TaskOutcome.success({ year: metadata.year }));
  }
}

/** Does nothing and succeeds: the tasks a bulk retry sends back to the queue, run by the thousand. */
@BackgroundTask('test.noop')
export class NoopTask implements BackgroundTaskExecutor {
  execute() {
    return Promise.resolve(TaskOutcome.success());
  }
}

@Module({ providers: [YearlyReportTask, NoopTask] })
export class ConsoleTestTasksModule {}
