import type { Type } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { parseDuration } from '../../config/duration.js';
import { flowPolicyOf, type FlowOptions, type FlowPolicy } from '../flow/flow-policy.js';

/**
 * How a task is declared; every option but the name is optional. The flow-control options (concurrency,
 * concurrencyPerKey, fairness, rateLimit: see FlowOptions and README "Flow control") hold across every
 * instance, so every instance must declare the same.
 */
export interface BackgroundTaskOptions extends FlowOptions {
  /**
   * Retries after a failure for this task, instead of MaxRetryCount. An enqueue's `maxAttempts` overrides
   * both.
   */
  readonly maxRetryCount?: number;
  /** Aborts a run that takes longer (`30s`, `5m`, or milliseconds) and records a retryable failure. */
  readonly timeout?: string | number;
  /**
   * A class-validator class for the execution metadata: a resume request's patch is checked against it, so
   * that an operator cannot resume a task into a state it does not understand.
   */
  readonly executionMetadataType?: Type<object>;
  /**
   * Enqueue the task on this cron schedule (six fields with seconds, or five), with this metadata. With
   * several instances it is still enqueued once per slot.
   */
  readonly schedule?: { readonly cron: string; readonly metadata?: unknown; readonly timeZone?: string };
}

export interface BackgroundTaskDefinition extends Omit<BackgroundTaskOptions, 'timeout' | keyof FlowOptions> {
  /** Stable name stored in each row: renaming it orphans the tasks already enqueued under the old name. */
  readonly name: string;
  readonly timeoutMs?: number;
  /** Its flow control; undefined when it declares none (its tasks take the plain claim). */
  readonly flow?: FlowPolicy;
}

/** What a task name may be: also checked on the names of the task-queue routes. */
export const TASK_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$/;

const TaskDefinitionMetadata = DiscoveryService.createDecorator<BackgroundTaskDefinition>();

/**
 * Marks a provider as the executor of the named task. Add the class to a module's providers; it is found
 * at boot and resolved from the container for every run.
 *
 *   @BackgroundTask('cms.export-content-items', { timeout: '30m', maxRetryCount: 2 })
 *   export class ExportContentItemsTask implements BackgroundTaskExecutor<ExportMetadata, ExportCheckpoint> { … }
 */
export function BackgroundTask(name: string, options: BackgroundTaskOptions = {}): ClassDecorator {
  if (!TASK_NAME.test(name)) {
    throw new Error(`Background task name "${name}" must be 1-200 letters, digits, or . _ : - (not first)`);
  }
  const { timeout, concurrency, concurrencyPerKey, fairness, rateLimit, ...rest } = options;
  const flow = flowPolicyOf(name, { concurrency, concurrencyPerKey, fairness, rateLimit });
  const timeoutMs =
    timeout === undefined ? undefined : typeof timeout === 'number' ? timeout : parseDuration(timeout);
  if (timeout !== undefined && (timeoutMs === undefined || timeoutMs <= 0)) {
    throw new Error(`Background task "${name}" has an invalid timeout ${JSON.stringify(timeout)}`);
  }
  if (
    rest.maxRetryCount !== undefined &&
    !(Number.isInteger(rest.maxRetryCount) && rest.maxRetryCount >= 0)
  ) {
    throw new Error(`Background task "${name}" needs a maxRetryCount that is an integer >= 0`);
  }
  return TaskDefinitionMetadata({ name, timeoutMs, flow, ...rest });
}

export const BACKGROUND_TASK_METADATA = TaskDefinitionMetadata.KEY;

export function getTaskDefinition(target: object): BackgroundTaskDefinition | undefined {
  return Reflect.getMetadata(BACKGROUND_TASK_METADATA, target) as BackgroundTaskDefinition | undefined;
}
