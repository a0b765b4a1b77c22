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

@Module({ providers: [YearlyReportTask] })
export class ConsoleTestTasksModule {}
