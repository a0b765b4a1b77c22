import { DiscoveryService } from '@nestjs/core';

/** How a task is declared. */
export interface BackgroundTaskDefinition {
  /** Stable name stored in each row: renaming it orphans the tasks already enqueued under the old name. */
  readonly name: string;
}

const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

const TaskDefinitionMetadata = DiscoveryService.createDecorator<BackgroundTaskDefinition>();

/**
 * Marks a provider as the executor of the named task. Add the class to a module's providers; it is found
 * at boot and resolved from the container for every run.
 *
 *   @BackgroundTask('demo.countdown')
 *   export class CountdownTask implements BackgroundTaskExecutor<CountdownMetadata> { … }
 */
export function BackgroundTask(name: string): ClassDecorator {
  if (!TASK_NAME.test(name)) {
    throw new Error(`Background task name "${name}" must be 1-200 letters, digits, or . _ : - (not first)`);
  }
  return TaskDefinitionMetadata({ name });
}

export const BACKGROUND_TASK_METADATA = TaskDefinitionMetadata.KEY;

export function getTaskDefinition(target: object): BackgroundTaskDefinition | undefined {
  return Reflect.getMetadata(BACKGROUND_TASK_METADATA, target) as BackgroundTaskDefinition | undefined;
}
