import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TaskActivity, type EndedRun } from '../../background-tasks/events/task-activity.js';

const SAID: Record<EndedRun['ending'], string> = {
  completed: 'completed',
  failed: 'failed for good',
  retrying: 'failed; it will be tried again',
  cancelled: 'was cancelled',
  suspended: 'suspended itself',
  released: 'went back to the queue (shutdown)',
};

/**
 * One line per run that a worker starts (debug) and ends (log; a final failure is a warning), each in the
 * `Task <id> (<name>) …` form the JSON logger turns into `taskId` and `taskName` fields.
 */
@Injectable()
export class TaskLifecycleLog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('BackgroundTask');
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly activity: TaskActivity) {}

  onModuleInit(): void {
    this.unsubscribe = this.activity.subscribe((event) => {
      // The lines are not even built when their level is off: a busy worker ends thousands of runs a second.
      if (event.kind === 'claimed') {
        if (!Logger.isLevelEnabled('debug')) return;
        for (const { id, name, attempt } of event.tasks)
          this.logger.debug(`Task ${id} (${name}) started, attempt ${attempt}`);
      } else if (event.kind === 'ended') {
        if (!Logger.isLevelEnabled('log') && !Logger.isLevelEnabled('warn')) return;
        for (const run of event.runs) if (run.held) this.ended(run);
      }
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  private ended({ id, name, ending, runMs, attempt, maxAttempts }: EndedRun): void {
    const line = `Task ${id} (${name}) ${SAID[ending]} after ${Math.round(runMs)} ms (attempt ${attempt} of ${maxAttempts})`;
    if (ending === 'failed') this.logger.warn(line);
    else this.logger.log(line);
  }
}
