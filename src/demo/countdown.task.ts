import { setTimeout as delay } from 'node:timers/promises';
import {
  BackgroundTask,
  type BackgroundTaskContext,
  type BackgroundTaskExecutor,
  TaskOutcome,
} from '../background-tasks/index.js';

export interface CountdownMetadata {
  readonly steps: number;
  readonly stepMs: number;
}

export interface CountdownResult {
  readonly steps: number;
  readonly elapsedMs: number;
}

/** A task to watch: it walks through `steps` steps of `stepMs` each, reporting progress as it goes. */
@BackgroundTask('demo.countdown')
export class CountdownTask implements BackgroundTaskExecutor<CountdownMetadata, void, CountdownResult> {
  async execute({ metadata, progress, signal }: BackgroundTaskContext<CountdownMetadata>) {
    const startedAt = Date.now();
    const { steps, stepMs } = metadata;
    for (let step = 1; step <= steps; step++) {
      progress({ step, info: `Step ${step} of ${steps}`, percent: ((step - 1) / steps) * 100 });
      // Rejects as soon as the signal fires (cancellation, shutdown): the run stops mid-step.
      await delay(stepMs, undefined, { signal });
    }
    progress({ percent: 100, info: `Finished ${steps} steps` });
    return TaskOutcome.success({ steps, elapsedMs: Date.now() - startedAt });
  }
}
