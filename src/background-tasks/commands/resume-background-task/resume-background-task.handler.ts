import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { plainToInstance } from 'class-transformer';
import { validate, type ValidationError } from 'class-validator';
import { unstorableTextPath } from '../../../shared/text/storable-text.js';
import { BackgroundTaskStateError, InvalidExecutionMetadataError } from '../../background-task.errors.js';
import { TaskRegistry } from '../../registry/task-registry.js';
import { toBackgroundTaskView, type BackgroundTaskView } from '../../queries/background-task.view.js';
import { QueueWakeSignal } from '../../queue/queue-wake-signal.js';
import type { BackgroundTaskRecord } from '../../model/task-records.js';
import { TaskEvents } from '../../events/task-events.js';
import { TaskStore } from '../../storage/task-store.js';
import { findVisibleTask } from '../../visible-task.js';
import { ResumeBackgroundTaskCommand } from './resume-background-task.command.js';

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function describe(errors: ValidationError[], path = ''): string[] {
  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}).map((message) => (path ? `${path}.${message}` : message)),
    ...describe(error.children ?? [], path ? `${path}.${error.property}` : error.property),
  ]);
}

@CommandHandler(ResumeBackgroundTaskCommand)
export class ResumeBackgroundTaskHandler implements ICommandHandler<ResumeBackgroundTaskCommand> {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly events: TaskEvents,
  ) {}

  async execute({
    id,
    requestedBy,
    executionMetadataPatch,
  }: ResumeBackgroundTaskCommand): Promise<BackgroundTaskView> {
    const task = await findVisibleTask(this.store, id, requestedBy);
    if (task.status !== 'suspended')
      throw new BackgroundTaskStateError(id, task.status, 'resumed', ['suspended']);
    const executionMetadata =
      executionMetadataPatch === undefined ? undefined : await this.patched(task, executionMetadataPatch);
    // Conditional on the task still being suspended: a concurrent cancel or resume wins, this one gets 409.
    if (!(await this.store.resume(id, executionMetadata))) {
      const now = await findVisibleTask(this.store, id, requestedBy);
      throw new BackgroundTaskStateError(id, now.status, 'resumed', ['suspended']);
    }
    this.wakeSignal.notify();
    this.events.emit({ kind: 'resumed', task });
    return toBackgroundTaskView(await findVisibleTask(this.store, id, requestedBy), requestedBy);
  }

  /** The execution metadata with the patch merged over it, checked against the task's declared class. */
  private async patched(task: BackgroundTaskRecord, patch: Record<string, unknown>): Promise<unknown> {
    const current = task.executionMetadata ?? {};
    if (!isPlainObject(current)) {
      throw new InvalidExecutionMetadataError([
        'the task keeps a non-object execution metadata, which cannot be patched',
      ]);
    }
    // The patch comes from a client: a text no engine stores unchanged is named here, not refused by the
    // database (PostgreSQL) or changed silently (SQLite, SQL Server).
    const unstorable = unstorableTextPath(patch);
    if (unstorable !== undefined) {
      throw new InvalidExecutionMetadataError([
        `executionMetadata.${unstorable} must be well-formed text: no NUL character (\\u0000) and no lone surrogate`,
      ]);
    }
    const merged = { ...current, ...patch };
    const declared = this.registry.forName(task.name)?.definition.executionMetadataType;
    if (declared) {
      const errors = await validate(plainToInstance(declared, merged), {
        whitelist: true,
        forbidNonWhitelisted: true,
      });
      if (errors.length > 0) throw new InvalidExecutionMetadataError(describe(errors));
    }
    return merged;
  }
}
