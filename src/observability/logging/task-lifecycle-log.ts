import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { TaskEvents, taskLogFields, type EndedRun, type ReleasedRun } from '../../background-tasks/index.js';

const SAID: Record<EndedRun['ending'], string> = {
  completed: 'completed',
  failed: 'failed for good',
  retrying: 'failed; it will be tried again',
  cancelled: 'was cancelled',
  suspended: 'suspended itself',
};

/**
 * One line per run that a worker starts (debug) and ends (log; a final failure is a warning), from the task
 * module's events, each with the task's `taskId` and `taskName` as fields; and one line (a warning) when an
 * admin pauses or resumes a task name, with `taskName` and `pausedBy`.
 */
@Injectable()
export class TaskLifecycleLog implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('BackgroundTask');
  private unsubscribe: (() => void) | undefined;

  constructor(private readonly events: TaskEvents) {}

  onModuleInit(): void {
    this.unsubscribe = this.events.subscribe((event) => {
      // The lines are not even built when their level is off: a busy worker ends thousands of runs a second.
      if (event.kind === 'claimed') {
        if (!Logger.isLevelEnabled('debug')) return;
        for (const run of event.runs) {
          this.logger.debug(
            `Task ${run.id} (${run.name}) started, attempt ${run.attempt}`,
            taskLogFields(run),
          );
        }
      } else if (event.kind === 'ended' || event.kind === 'released') {
        if (!Logger.isLevelEnabled('log') && !Logger.isLevelEnabled('warn')) return;
        for (const run of event.runs) this.ended(run, 'ending' in run ? run.ending : undefined);
      } else if (event.kind === 'queue-paused' || event.kind === 'queue-resumed') {
        const change = event.kind === 'queue-paused' ? 'paused: no worker claims its tasks' : 'resumed';
        this.logger.warn(`Task name ${event.name} ${change} (by ${event.by})`, {
          taskName: event.name,
          pausedBy: event.by,
        });
      }
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
  }

  private ended(run: ReleasedRun, ending: EndedRun['ending'] | undefined): void {
    const { id, name, runMs, attempt, maxAttempts } = run;
    const said = ending
      ? SAID[ending]
      : 'went back to the queue (a shutdown, or a prefetched task not started in time)';
    const line = `Task ${id} (${name}) ${said} after ${Math.round(runMs)} ms (attempt ${attempt} of ${maxAttempts})`;
    if (ending === 'failed') this.logger.warn(line, taskLogFields(run));
    else this.logger.log(line, taskLogFields(run));
  }
}
