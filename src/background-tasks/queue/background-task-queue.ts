import { Inject, Injectable, type Type } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { UnitOfWork } from '../../database/unit-of-work.js';
import { isStorableText } from '../../shared/text/storable-text.js';
import { uuidv7 } from '../../shared/uuid-v7.js';
import { BackgroundTasksConfig } from '../background-tasks.config.js';
import { getTaskDefinition } from '../contract/background-task.decorator.js';
import { goesByKey, NO_KEY } from '../flow/flow-policy.js';
import type { ExecutionMetadataOf, MetadataOf } from '../contract/background-task-executor.js';
import { TaskEvents } from '../events/task-events.js';
import { LOCAL_HAND_OVER, type LocalHandOver, type SlotOffer } from '../model/local-hand-over.js';
import { TaskRegistry, type AnyExecutor, type RegisteredTask } from '../registry/task-registry.js';
import type { ClaimedEnqueueResult, NewTaskRow } from '../model/task-records.js';
import { encodeTaskJson } from '../storage/task-json.js';
import { TaskStore } from '../storage/task-store.js';
import { TaskTracing } from '../tracing/task-tracing.js';
import { AfterCommitHooks } from './after-commit-hooks.js';
import { EnqueueError } from './enqueue-errors.js';
import type { EnqueueOptions } from './enqueue-options.js';
import { QueueWakeSignal } from './queue-wake-signal.js';

const MAX_KEY_LENGTH = 200;
const BULK_CHUNK = 1_000;

function checkOptions(options: EnqueueOptions): void {
  const { priority, maxAttempts, idempotencyKey, runAt, createdBy, concurrencyKey } = options;
  if (priority !== undefined && (!Number.isInteger(priority) || Math.abs(priority) > 1_000_000)) {
    throw new EnqueueError('priority must be an integer between -1000000 and 1000000');
  }
  if (
    maxAttempts !== undefined &&
    (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 1000)
  ) {
    throw new EnqueueError('maxAttempts must be an integer between 1 and 1000');
  }
  if (
    idempotencyKey !== undefined &&
    (idempotencyKey.length === 0 || idempotencyKey.length > MAX_KEY_LENGTH)
  ) {
    throw new EnqueueError(`idempotencyKey must be 1 to ${MAX_KEY_LENGTH} characters`);
  }
  for (const [name, text] of [
    ['createdBy', createdBy],
    ['concurrencyKey', concurrencyKey],
  ] as const) {
    if (
      text !== undefined &&
      (typeof text !== 'string' || text.length === 0 || text.length > MAX_KEY_LENGTH)
    ) {
      throw new EnqueueError(`${name} must be 1 to ${MAX_KEY_LENGTH} characters`);
    }
  }
  for (const [name, text] of [
    ['idempotencyKey', idempotencyKey],
    ['createdBy', createdBy],
    ['concurrencyKey', concurrencyKey],
  ] as const) {
    if (text !== undefined && !isStorableText(text)) {
      throw new EnqueueError(
        `${name} must be well-formed text: no NUL character (\u0000) and no lone surrogate`,
      );
    }
  }
  if (runAt !== undefined && !(runAt instanceof Date && Number.isFinite(runAt.getTime()))) {
    throw new EnqueueError('runAt must be a valid Date');
  }
}

/** The value as the JSON text stored for it, or an EnqueueError naming it when it cannot be stored. */
function jsonOf(value: unknown, what: string, maxBytes: number): string {
  const encoded = encodeTaskJson(value, maxBytes);
  if (!encoded.ok) throw new EnqueueError(`${what} cannot be stored: ${encoded.reason}`);
  return encoded.json;
}

/**
 * Puts tasks in the queue. `enqueue` inserts one row and returns its id; a worker (this process or
 * another) runs it. Inject it into any command handler:
 *
 *   const taskId = await this.queue.enqueue(ExportContentItemsTask, { contentType: 'articles' }, { createdBy });
 */
@Injectable()
export class BackgroundTaskQueue {
  constructor(
    private readonly store: TaskStore,
    private readonly registry: TaskRegistry,
    private readonly config: BackgroundTasksConfig,
    private readonly wakeSignal: QueueWakeSignal,
    private readonly afterCommit: AfterCommitHooks,
    private readonly events: TaskEvents,
    private readonly unitOfWork: UnitOfWork,
    private readonly tracing: TaskTracing,
    @Inject(LOCAL_HAND_OVER) private readonly worker: LocalHandOver,
  ) {}

  async enqueue<TExecutor extends AnyExecutor>(
    task: Type<TExecutor>,
    // NoInfer: the executor class alone decides the types, so an object literal with a field too many is
    // an error here rather than a wider inferred type.
    metadata: NoInfer<MetadataOf<TExecutor>>,
    options: EnqueueOptions<NoInfer<ExecutionMetadataOf<TExecutor>>> = {},
  ): Promise<string> {
    const registered = this.registered(task);
    checkOptions(options);
    const { executionMetadata } = options;
    const row: Omit<NewTaskRow, 'traceContext'> = {
      id: uuidv7(),
      ...this.sharedColumns(registered, options),
      metadataJson: jsonOf(metadata, 'metadata', this.config.payloadMaxBytes),
      executionMetadataJson:
        executionMetadata === undefined
          ? null
          : jsonOf(executionMetadata, 'executionMetadata', this.config.payloadMaxBytes),
      idempotencyKey: options.idempotencyKey ?? null,
    };
    const insert = (traceContext: string | null) =>
      this.insertTask(registered.name, { ...row, traceContext }, options);
    // Traced, the enqueue is a span of its own, whose context the task keeps (TaskTracing).
    return this.tracing.enabled
      ? this.tracing.inEnqueueSpan(registered.name, [row.id], insert)
      : insert(null);
  }

  private async insertTask(name: string, row: NewTaskRow, options: EnqueueOptions<unknown>): Promise<string> {
    // A task due now, enqueued outside a caller's transaction (whose commit it would have to wait for),
    // goes straight to a free slot of this process's worker, when it has one.
    const due = options.runAt === undefined || options.runAt.getTime() <= Date.now();
    const offer = due && !options.manager && this.store.handsOver ? this.worker.offerSlot(name) : undefined;
    if (!offer) {
      const { id, created } = await this.store.enqueue(row, options.manager);
      this.announce(name, [id], created, options.manager);
      return id;
    }
    const { id, created, claimed } = await this.enqueueOnto(offer, row);
    // Enqueued before claimed, in the event stream as in the row's life.
    this.announce(name, [id], created, undefined, !claimed);
    if (claimed) offer.start(claimed);
    else offer.decline();
    return id;
  }

  /** Inserts the task leased to the offering worker; the offer is declined if the insert fails. */
  private async enqueueOnto(offer: SlotOffer, row: NewTaskRow): Promise<ClaimedEnqueueResult> {
    try {
      return await this.store.enqueueClaimed(row, offer.lease);
    } catch (error) {
      offer.decline();
      throw error;
    }
  }

  /**
   * Enqueues many tasks of one kind with one statement per 1,000 (instead of a round trip each), all with the
   * same options; returns their ids in order. All or none: more than one statement runs in one transaction
   * (the caller's, with `manager`), so a failure leaves no part of the batch behind and workers see the
   * whole batch at once. Bulk tasks take no idempotency key or initial execution metadata: use `enqueue`
   * for those.
   */
  async enqueueMany<TExecutor extends AnyExecutor>(
    task: Type<TExecutor>,
    metadatas: readonly NoInfer<MetadataOf<TExecutor>>[],
    options: Omit<EnqueueOptions, 'idempotencyKey' | 'executionMetadata'> = {},
  ): Promise<string[]> {
    const registered = this.registered(task);
    if ('idempotencyKey' in options || 'executionMetadata' in options) {
      throw new EnqueueError('enqueueMany takes neither idempotencyKey nor executionMetadata; use enqueue');
    }
    checkOptions(options);
    const maxBytes = this.config.payloadMaxBytes;
    const metadata = metadatas.map((value, index) => jsonOf(value, `metadata[${index}]`, maxBytes));
    const shared = this.sharedColumns(registered, options);
    const ids = metadatas.map(() => uuidv7());
    const insert = async (traceContext: string | null) => {
      const insertAll = async (manager: EntityManager | undefined) => {
        for (let start = 0; start < ids.length; start += BULK_CHUNK) {
          const end = start + BULK_CHUNK;
          const batch = {
            ...shared,
            traceContext,
            ids: ids.slice(start, end),
            metadata: metadata.slice(start, end),
          };
          await this.store.enqueueMany(batch, manager);
        }
      };
      if (options.manager || ids.length <= BULK_CHUNK) await insertAll(options.manager);
      else await this.unitOfWork.run(insertAll);
    };
    if (ids.length === 0) return ids;
    // Traced, the batch is one enqueue span, whose context every task of it keeps (TaskTracing).
    if (this.tracing.enabled) await this.tracing.inEnqueueSpan(registered.name, ids, insert);
    else await insert(null);
    this.announce(registered.name, ids, true, options.manager);
    return ids;
  }

  private registered(task: Type<AnyExecutor>): RegisteredTask {
    const registered = this.registry.forClass(task);
    if (registered) return registered;
    const declared = getTaskDefinition(task);
    throw new EnqueueError(
      declared
        ? `${task.name} ('${declared.name}') is not provided by any module: add it to a module's providers`
        : `${task.name} is not a background task: mark it with @BackgroundTask('name') and provide it`,
    );
  }

  /** The columns every task of one enqueue call shares: what its kind and the options say. */
  private sharedColumns(registered: RegisteredTask, options: EnqueueOptions<unknown>) {
    const maxRetryCount = registered.definition.maxRetryCount ?? this.config.maxRetryCount;
    return {
      name: registered.name,
      priority: options.priority ?? 0,
      runAfter: options.runAt ?? null,
      maxAttempts: options.maxAttempts ?? maxRetryCount + 1,
      createdBy: options.createdBy ?? null,
      concurrencyKey: options.concurrencyKey ?? (goesByKey(registered.definition.flow) ? NO_KEY : null),
    };
  }

  /**
   * Wakes the local worker and emits `enqueued`, at once or when the caller's transaction commits (other
   * processes learn through NOTIFY or polling). `created` is false when an idempotency key matched a task
   * that was already there: nothing changed, nothing is emitted. A task handed to the worker at its insert
   * needs no wake-up.
   */
  private announce(
    name: string,
    ids: readonly string[],
    created: boolean,
    manager: EntityManager | undefined,
    wake = true,
  ): void {
    const announce = () => {
      if (wake) this.wakeSignal.notify();
      if (created) this.events.emit({ kind: 'enqueued', name, ids });
    };
    if (manager) this.afterCommit.runAfterCommit(manager, announce);
    else announce();
  }
}
