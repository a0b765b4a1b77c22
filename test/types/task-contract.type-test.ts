/**
 * Compile-time tests of the task contract: `npm run typecheck` (part of `npm test`) compiles this file and
 * fails if a line marked @ts-expect-error stops being an error, or if a correct line starts being one.
 * Nothing here runs.
 */
import type { BackgroundTaskContext } from '../../src/background-tasks/contract/background-task-context.js';
import { BackgroundTask } from '../../src/background-tasks/contract/background-task.decorator.js';
import type {
  BackgroundTaskExecutor,
  ErrorOf,
  ExecutionMetadataOf,
  MetadataOf,
  ResultOf,
} from '../../src/background-tasks/contract/background-task-executor.js';
import { TaskOutcome } from '../../src/background-tasks/contract/task-outcome.js';
import type { BackgroundTaskQueue } from '../../src/background-tasks/queue/background-task-queue.js';

interface ResizeImage {
  readonly imageId: string;
  readonly width: number;
}
interface ResizeProgress {
  readonly done: number;
}
interface Resized {
  readonly url: string;
}
interface ResizeFailure {
  readonly reason: 'NOT_AN_IMAGE' | 'TOO_LARGE';
}

@BackgroundTask('types.resize-image')
class ResizeImageTask implements BackgroundTaskExecutor<ResizeImage, ResizeProgress, Resized, ResizeFailure> {
  // The return type states the result and error types; without it they are inferred from the returns.
  async execute(
    context: BackgroundTaskContext<ResizeImage, ResizeProgress>,
  ): Promise<TaskOutcome<Resized, ResizeFailure>> {
    const width: number = context.metadata.width;
    const done: number | undefined = context.executionMetadata?.done;
    await context.checkpoint({ done: (done ?? 0) + 1 });
    // @ts-expect-error the checkpoint has the execution metadata's type
    await context.checkpoint({ done: 'half' });
    if (width > 10_000) return TaskOutcome.failure({ reason: 'TOO_LARGE' });
    if (width < 0) return TaskOutcome.suspended();
    return TaskOutcome.success({ url: `/images/${context.metadata.imageId}` });
  }
}

@BackgroundTask('types.wrong-result')
class WrongResultTask implements BackgroundTaskExecutor<void, void, Resized> {
  // @ts-expect-error the success result must be a Resized
  execute() {
    return Promise.resolve(TaskOutcome.success({ href: '/x' }));
  }
}

@BackgroundTask('types.wrong-error')
class WrongErrorTask implements BackgroundTaskExecutor<void, void, void, ResizeFailure> {
  // @ts-expect-error the failure must be a ResizeFailure
  execute() {
    return Promise.resolve(TaskOutcome.failure({ reason: 'SOMETHING_ELSE' }));
  }
}

// The contract can be read back from the class.
const contract: [
  MetadataOf<ResizeImageTask>,
  ExecutionMetadataOf<ResizeImageTask>,
  ResultOf<ResizeImageTask>,
] = [{ imageId: 'a', width: 1 }, { done: 1 }, { url: '' }];
const failure: ErrorOf<ResizeImageTask> = { reason: 'NOT_AN_IMAGE' };

export async function enqueueIsTypeChecked(queue: BackgroundTaskQueue): Promise<unknown[]> {
  return [
    contract,
    failure,
    WrongResultTask,
    WrongErrorTask,
    await queue.enqueue(ResizeImageTask, { imageId: 'img-1', width: 800 }),
    await queue.enqueue(
      ResizeImageTask,
      { imageId: 'img-1', width: 800 },
      { executionMetadata: { done: 3 } },
    ),

    // @ts-expect-error width must be a number
    await queue.enqueue(ResizeImageTask, { imageId: 'img-1', width: '800' }),
    // @ts-expect-error width is required
    await queue.enqueue(ResizeImageTask, { imageId: 'img-1' }),
    // @ts-expect-error no such field
    await queue.enqueue(ResizeImageTask, { imageId: 'img-1', width: 800, height: 600 }),
    await queue.enqueue(
      ResizeImageTask,
      { imageId: 'img-1', width: 800 },
      // @ts-expect-error the initial execution metadata must match the task's type too
      { executionMetadata: { done: 'no' } },
    ),
    // @ts-expect-error only background tasks can be enqueued
    await queue.enqueue(Date, {}),
  ];
}
