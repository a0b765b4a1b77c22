import type { EntityManager } from 'typeorm';
import {
  CANCELLED_WHILE_RUNNING,
  toEndingRow,
  toJson,
} from '../../src/background-tasks/storage/ending-row.js';
import type {
  BackgroundTaskRecord,
  BulkTaskSelection,
  TaskViewRecord,
  ClaimedEnqueueResult,
  ClaimedTask,
  ClaimRequest,
  EnqueueResult,
  FinishedRun,
  LeaseRenewal,
  LeaseRequest,
  NewTaskBatch,
  NewTaskRow,
  TaskCount,
  TaskListQuery,
  TaskProgress,
  TaskQueueState,
  TaskEndings,
  OldestDueTask,
  WorkerHeartbeat,
  WorkerRecord,
} from '../../src/background-tasks/model/task-records.js';
import {
  runFlowClaimSync,
  type FlowClaimRequest,
  type FlowClaimSteps,
} from '../../src/background-tasks/flow/flow-claim.js';
import { LEASE_EXPIRED_ERROR } from '../../src/background-tasks/storage/task-row-mapper.js';
import {
  GONE_WORKER_KEPT_LEASES,
  TaskStore,
  type ActiveTaskCounts,
  type BulkWindow,
} from '../../src/background-tasks/storage/task-store.js';
import type { TaskStatus } from '../../src/background-tasks/task-status.js';
import { BULK_ACTIONS } from '../../src/background-tasks/bulk/bulk-actions.js';
import { isStorableJsonText } from '../../src/shared/text/storable-text.js';

/** The statements a fault can be injected into: every method of the store that talks to the database. */
export type StoreStatement =
  | 'enqueue'
  | 'enqueueClaimed'
  | 'enqueueMany'
  | 'claim'
  | 'renewLeases'
  | 'recoverExpiredLeases'
  | 'resumeDueTasks'
  | 'saveProgress'
  | 'checkpoint'
  | 'finish'
  | 'reportWorker'
  | 'forgetWorker'
  | 'cancelWaiting'
  | 'requestCancellation'
  | 'resume'
  | 'retry'
  | 'claimFlow'
  | 'setPaused';

/** One task row, as the SQL stores keep it (times as epoch milliseconds, JSON as text). */
export interface MemoryRow {
  id: string;
  name: string;
  status: TaskStatus;
  priority: number;
  runAfter: number;
  attempts: number;
  maxAttempts: number;
  leaseOwner: string | null;
  leaseExpiresAt: number | null;
  cancelRequestedAt: number | null;
  createdBy: string | null;
  idempotencyKey: string | null;
  concurrencyKey: string | null;
  traceContext: string | null;
  metadata: string;
  executionMetadata: string | null;
  result: string | null;
  error: string | null;
  attemptErrors: string[];
  progress: TaskProgress;
  resumeAt: number | null;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  completedAt: number | null;
}

/** A statement that failed the way a lost connection fails: not because of its values. */
export class InjectedDatabaseError extends Error {
  constructor(statement: StoreStatement) {
    super(`Connection terminated unexpectedly (injected into ${statement})`);
  }
}

/**
 * A TaskStore in memory, for tests of the worker's logic without a database: it runs in microseconds, its
 * clock is Date.now() (so fake timers control lease expiry), and any statement can be made to fail.
 *
 * It is a faithful copy of the SQL stores' semantics, not a mock: every statement does what its SQL does
 * (fencing on the lease owner, claim order, cancellation deciding an ending under the row lock, attempts
 * given back by a release), and test/background-tasks/task-store-contract.spec.ts runs the same
 * assertions against it and against SQLite and PostgreSQL so that it cannot drift from them. Each
 * statement is atomic, as every statement of the real stores is (a batch of endings included).
 */
export class InMemoryTaskStore extends TaskStore {
  readonly engine = 'sqlite' as const;
  override readonly handsOver = true;
  readonly rows = new Map<string, MemoryRow>();
  /** Every ending stored: which claim (lease owner) ended which task, and how. */
  readonly storedEndings: { id: string; leaseOwner: string; kind: string }[] = [];
  private readonly faults = new Map<StoreStatement, number>();

  constructor(
    /** How long each statement takes, in (fake) milliseconds; 0 answers on the next tick. */
    private readonly latencyMs: (statement: StoreStatement) => number = () => 0,
  ) {
    super();
  }

  /** Makes the next `times` calls of `statement` fail (before they change anything). */
  failNext(statement: StoreStatement, times = 1): void {
    this.faults.set(statement, (this.faults.get(statement) ?? 0) + times);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** Runs a statement after its latency, atomically, unless a fault was injected into it. */
  private async statement<T>(name: StoreStatement, apply: () => T): Promise<T> {
    const latency = this.latencyMs(name);
    await new Promise((resolve) => setTimeout(resolve, latency));
    const pending = this.faults.get(name) ?? 0;
    if (pending > 0) {
      this.faults.set(name, pending - 1);
      throw new InjectedDatabaseError(name);
    }
    return apply();
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    if (manager) throw new Error('InMemoryTaskStore takes no EntityManager');
    return this.statement('enqueue', () => this.insert(task, undefined));
  }

  override async enqueueClaimed(task: NewTaskRow, lease: LeaseRequest): Promise<ClaimedEnqueueResult> {
    return this.statement('enqueueClaimed', () => {
      const now = Date.now();
      const waiting =
        this.isPaused(task.name) ||
        [...this.rows.values()].some(
          (row) =>
            row.status === 'enqueued' &&
            row.runAfter <= now &&
            row.priority >= task.priority &&
            lease.names.includes(row.name),
        );
      return this.insert(task, waiting ? undefined : lease);
    });
  }

  private insert(task: NewTaskRow, lease: LeaseRequest | undefined): ClaimedEnqueueResult {
    refuseUnstorable(task.metadataJson, task.executionMetadataJson);
    if (task.idempotencyKey !== null) {
      const holder = [...this.rows.values()].find((row) => row.idempotencyKey === task.idempotencyKey);
      if (holder) return { id: holder.id, created: false };
    }
    const now = Date.now();
    const row: MemoryRow = {
      ...newRow(task.id, task.name, now),
      priority: task.priority,
      runAfter: task.runAfter?.getTime() ?? now,
      maxAttempts: task.maxAttempts,
      createdBy: task.createdBy,
      idempotencyKey: task.idempotencyKey,
      concurrencyKey: task.concurrencyKey,
      traceContext: task.traceContext,
      metadata: task.metadataJson,
      executionMetadata: task.executionMetadataJson,
    };
    this.rows.set(row.id, row);
    if (!lease) return { id: row.id, created: true };
    this.lease(row, lease.leaseOwner, lease.leaseDurationMs, now);
    return { id: row.id, created: true, claimed: toClaimedTask(row) };
  }

  async enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void> {
    if (manager) throw new Error('InMemoryTaskStore takes no EntityManager');
    await this.statement('enqueueMany', () => {
      refuseUnstorable(...batch.metadata);
      const now = Date.now();
      batch.ids.forEach((id, index) =>
        this.rows.set(id, {
          ...newRow(id, batch.name, now),
          priority: batch.priority,
          runAfter: batch.runAfter?.getTime() ?? now,
          maxAttempts: batch.maxAttempts,
          createdBy: batch.createdBy,
          concurrencyKey: batch.concurrencyKey,
          traceContext: batch.traceContext,
          metadata: batch.metadata[index],
        }),
      );
    });
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    return this.statement('claim', () => {
      const now = Date.now();
      const due = [...this.rows.values()]
        .filter(
          (row) =>
            row.status === 'enqueued' &&
            row.runAfter <= now &&
            request.names.includes(row.name) &&
            !this.isPaused(row.name),
        )
        .sort((a, b) => b.priority - a.priority || a.runAfter - b.runAfter || compareIds(a.id, b.id))
        .slice(0, request.limit);
      for (const row of due) this.lease(row, request.leaseOwner, request.leaseDurationMs, now);
      return due.map(toClaimedTask);
    });
  }

  /** Task names' rows of background_task_queues. */
  private readonly queues = new Map<string, TaskQueueState & { fairCursor: string | null }>();
  /** Rate-window starts, as background_task_starts holds them. */
  readonly starts: { scope: string; at: number }[] = [];

  private isPaused(name: string): boolean {
    return this.queues.get(name)?.paused === true;
  }

  async claimFlow(request: FlowClaimRequest): Promise<ClaimedTask[]> {
    return this.statement('claimFlow', () => runFlowClaimSync(request, this.flowSteps()));
  }

  /** The flow claim's statements, over the rows; the whole claim is one atomic statement here. */
  private flowSteps(): FlowClaimSteps {
    const now = Date.now();
    const rowsOf = (name: string, status: TaskStatus) =>
      [...this.rows.values()].filter((row) => row.name === name && row.status === status);
    const inQueueOrder = (rows: MemoryRow[]) =>
      rows
        .filter((row) => row.runAfter <= now)
        .sort((a, b) => b.priority - a.priority || a.runAfter - b.runAfter || compareIds(a.id, b.id));
    const candidate = (row: MemoryRow) => ({
      id: row.id,
      key: row.concurrencyKey ?? '',
      priority: row.priority,
      runAfterMs: row.runAfter,
      order: row.id,
    });
    return {
      lock: (name) => {
        const queue = this.queues.get(name) ?? {
          name,
          paused: false,
          pausedAt: null,
          pausedBy: null,
          fairCursor: null,
        };
        this.queues.set(name, queue);
        return { paused: queue.paused, fairCursor: queue.fairCursor, now: new Date(now) };
      },
      running: (name) => {
        const counts = new Map<string, number>();
        for (const row of rowsOf(name, 'processing')) {
          const key = row.concurrencyKey ?? '';
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
        return counts;
      },
      keys: (name, after, count) =>
        [...new Set(rowsOf(name, 'enqueued').flatMap((row) => row.concurrencyKey ?? []))]
          .filter((key) => after === null || key > after)
          .sort()
          .slice(0, count),
      startsSince: (scopes, since) => {
        const counts = new Map<string, number>();
        for (const start of this.starts) {
          if (scopes.includes(start.scope) && start.at > since.getTime()) {
            counts.set(start.scope, (counts.get(start.scope) ?? 0) + 1);
          }
        }
        return counts;
      },
      candidates: (name, takes) => {
        const waiting = inQueueOrder(rowsOf(name, 'enqueued'));
        if ('any' in takes) return waiting.slice(0, takes.any).map(candidate);
        return takes.flatMap(({ key, take }) =>
          waiting
            .filter((row) => row.concurrencyKey === key)
            .slice(0, take)
            .map(candidate),
        );
      },
      claim: (ids, lease) =>
        ids
          .map((id) => this.rows.get(id))
          .filter((row): row is MemoryRow => row?.status === 'enqueued')
          .map((row) => {
            this.lease(row, lease.leaseOwner, lease.leaseDurationMs, now);
            return toClaimedTask(row);
          }),
      recordStarts: (name, scopes, at, before) => {
        this.starts.push(...scopes.map((scope) => ({ scope, at: at.getTime() })));
        const kept = this.starts.filter(
          (start) =>
            !((start.scope === name || start.scope.startsWith(`${name}#`)) && start.at <= before.getTime()),
        );
        this.starts.splice(0, this.starts.length, ...kept);
      },
      saveCursor: (name, key) => {
        this.queues.get(name)!.fairCursor = key;
      },
    };
  }

  adoptUnkeyedTasks(name: string): Promise<number> {
    let count = 0;
    for (const row of this.rows.values()) {
      if (
        row.name === name &&
        row.concurrencyKey === null &&
        ['enqueued', 'suspended'].includes(row.status)
      ) {
        row.concurrencyKey = '';
        count++;
      }
    }
    return Promise.resolve(count);
  }

  async setPaused(name: string, paused: boolean, by: string | null): Promise<void> {
    await this.statement('setPaused', () => {
      const queue = this.queues.get(name);
      const state = { name, paused, pausedAt: paused ? new Date() : null, pausedBy: paused ? by : null };
      this.queues.set(name, { ...state, fairCursor: queue?.fairCursor ?? null });
    });
  }

  queueStates(name?: string): Promise<TaskQueueState[]> {
    const queues = [...this.queues.values()].filter((queue) => name === undefined || queue.name === name);
    return Promise.resolve(
      queues.map(({ name, paused, pausedAt, pausedBy }) => ({
        name,
        paused,
        pausedAt,
        pausedBy,
      })),
    );
  }

  endingsPerMinute(since: Date): Promise<TaskEndings[]> {
    const counts = new Map<string, TaskEndings>();
    for (const row of this.rows.values()) {
      if (row.completedAt === null || row.completedAt <= since.getTime()) continue;
      if (row.status !== 'completed' && row.status !== 'failed') continue;
      const minute = Math.floor(row.completedAt / 60_000) * 60_000;
      const key = `${minute}:${row.status}`;
      const count = counts.get(key)?.count ?? 0;
      counts.set(key, { minute: new Date(minute), status: row.status, count: count + 1 });
    }
    return Promise.resolve([...counts.values()]);
  }

  /** Workers' heartbeats by id, with when each was stored. */
  private readonly workerRows = new Map<string, WorkerHeartbeat & { lastSeenAt: Date }>();

  reportWorker(beat: WorkerHeartbeat): Promise<void> {
    return this.statement('reportWorker', () => {
      this.workerRows.set(beat.id, { ...beat, lastSeenAt: new Date() });
    });
  }

  forgetWorker(id: string): Promise<void> {
    return this.statement('forgetWorker', () => {
      this.workerRows.delete(id);
    });
  }

  workers(): Promise<WorkerRecord[]> {
    const readAt = new Date();
    const rows = [...this.workerRows.values()].map((row) => ({ ...row, readAt }));
    rows.sort((a, b) => a.host.localeCompare(b.host) || a.pid - b.pid || a.id.localeCompare(b.id));
    return Promise.resolve(rows);
  }

  removeGoneWorkers(): Promise<number> {
    const now = Date.now();
    let removed = 0;
    for (const [id, row] of this.workerRows) {
      if (now - row.lastSeenAt.getTime() > row.leaseDurationMs * GONE_WORKER_KEPT_LEASES) {
        this.workerRows.delete(id);
        removed++;
      }
    }
    return Promise.resolve(removed);
  }

  oldestDue(now: Date): Promise<OldestDueTask | undefined> {
    const [oldest] = [...this.rows.values()]
      .filter((row) => row.status === 'enqueued' && row.runAfter <= now.getTime())
      .sort((a, b) => a.runAfter - b.runAfter || compareIds(a.id, b.id));
    return Promise.resolve(
      oldest && { id: oldest.id, name: oldest.name, dueSince: new Date(oldest.runAfter) },
    );
  }

  countsByName(name?: string): Promise<TaskCount[]> {
    const counts = new Map<string, TaskCount>();
    for (const row of this.rows.values()) {
      if (name !== undefined && row.name !== name) continue;
      const key = `${row.name}\u0000${row.status}`;
      const count = counts.get(key)?.count ?? 0;
      counts.set(key, { name: row.name, status: row.status, count: count + 1 });
    }
    return Promise.resolve([...counts.values()]);
  }

  private lease(row: MemoryRow, owner: string, durationMs: number, now: number): void {
    Object.assign(row, {
      status: 'processing',
      leaseOwner: owner,
      leaseExpiresAt: now + durationMs,
      attempts: row.attempts + 1,
      startedAt: now,
      updatedAt: now,
    });
  }

  async renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]> {
    return this.statement('renewLeases', () => {
      const now = Date.now();
      const held = [...this.rows.values()].filter(
        (row) =>
          row.status === 'processing' && row.leaseOwner !== null && leaseOwners.includes(row.leaseOwner),
      );
      for (const row of held) {
        if (row.leaseExpiresAt! < now + renewWithinMs) row.leaseExpiresAt = now + leaseDurationMs;
      }
      return held.map((row) => ({
        id: row.id,
        leaseOwner: row.leaseOwner!,
        cancelRequested: row.cancelRequestedAt !== null,
      }));
    });
  }

  async recoverExpiredLeases(): Promise<number> {
    return this.statement('recoverExpiredLeases', () => {
      const now = Date.now();
      const expired = [...this.rows.values()].filter(
        (row) => row.status === 'processing' && row.leaseExpiresAt! < now,
      );
      const error = toJson(LEASE_EXPIRED_ERROR);
      for (const row of expired) {
        const last = row.attempts >= row.maxAttempts;
        row.attemptErrors.push(
          `{"attempt":${row.attempts},"at":"${new Date(now).toISOString()}","error":${error}}`,
        );
        Object.assign(row, {
          status: last ? 'failed' : 'enqueued',
          error: last ? error : row.error,
          completedAt: last ? now : null,
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: now,
        });
      }
      return expired.length;
    });
  }

  async resumeDueTasks(): Promise<number> {
    return this.statement('resumeDueTasks', () => {
      const now = Date.now();
      const due = [...this.rows.values()].filter(
        (row) => row.status === 'suspended' && row.resumeAt !== null && row.resumeAt <= now,
      );
      for (const row of due)
        Object.assign(row, { status: 'enqueued', runAfter: now, resumeAt: null, updatedAt: now });
      return due.length;
    });
  }

  async saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    return this.statement('saveProgress', () => {
      const row = this.heldBy(id, leaseOwner);
      if (row) Object.assign(row, { progress, updatedAt: Date.now() });
      return row !== undefined;
    });
  }

  async checkpoint(
    id: string,
    leaseOwner: string,
    executionMetadataJson: string,
    progress: TaskProgress,
    manager?: EntityManager,
  ): Promise<boolean> {
    if (manager) throw new Error('InMemoryTaskStore takes no EntityManager');
    return this.statement('checkpoint', () => {
      refuseUnstorable(executionMetadataJson);
      const row = this.heldBy(id, leaseOwner);
      if (row)
        Object.assign(row, { executionMetadata: executionMetadataJson, progress, updatedAt: Date.now() });
      return row !== undefined;
    });
  }

  private heldBy(id: string, leaseOwner: string): MemoryRow | undefined {
    const row = this.rows.get(id);
    return row?.leaseOwner === leaseOwner ? row : undefined;
  }

  /** The SQL stores' `finish`, row by row: fenced on the owner; a requested cancellation wins a non-final ending. */
  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    return this.statement('finish', () => {
      const endings = runs.map(toEndingRow);
      // All or nothing, as one statement (or one transaction) is on every engine.
      refuseUnstorable(...endings.flatMap((e) => [e.resultJson, e.errorJson, e.attemptErrorJson]));
      const now = Date.now();
      const held = new Set<string>();
      for (const ending of endings) {
        const row = this.heldBy(ending.id, ending.leaseOwner);
        if (!row) continue;
        const cancelWins = !ending.final && row.cancelRequestedAt !== null;
        if (ending.attemptErrorJson !== null) row.attemptErrors.push(ending.attemptErrorJson);
        Object.assign(row, {
          status: cancelWins ? 'cancelled' : ending.status,
          completedAt: ending.final || cancelWins ? now : null,
          error: cancelWins
            ? toJson(CANCELLED_WHILE_RUNNING)
            : ending.keepError
              ? row.error
              : ending.errorJson,
          result: ending.resultJson ?? row.result,
          attempts: row.attempts + ending.attemptsDelta,
          runAfter: ending.runAfter === null ? row.runAfter : Date.parse(ending.runAfter),
          resumeAt: ending.resumeAt === null ? null : Date.parse(ending.resumeAt),
          progress: { step: ending.step, info: ending.info, percent: ending.percent },
          leaseOwner: null,
          leaseExpiresAt: null,
          updatedAt: now,
        });
        held.add(row.id);
        this.storedEndings.push({ id: row.id, leaseOwner: ending.leaseOwner, kind: row.status });
      }
      return held;
    });
  }

  async cancelWaiting(id: string, error: unknown): Promise<boolean> {
    return this.statement('cancelWaiting', () => {
      const row = this.rows.get(id);
      if (!row || (row.status !== 'enqueued' && row.status !== 'suspended')) return false;
      cancelRow(row, error, Date.now());
      return true;
    });
  }

  async requestCancellation(id: string): Promise<boolean> {
    return this.statement('requestCancellation', () => {
      const row = this.rows.get(id);
      if (row?.status !== 'processing') return false;
      row.cancelRequestedAt ??= Date.now();
      row.updatedAt = Date.now();
      return true;
    });
  }

  async resume(id: string, executionMetadata: unknown): Promise<boolean> {
    return this.statement('resume', () => {
      const row = this.rows.get(id);
      if (row?.status !== 'suspended') return false;
      const now = Date.now();
      Object.assign(row, {
        status: 'enqueued',
        runAfter: now,
        resumeAt: null,
        updatedAt: now,
        executionMetadata:
          executionMetadata === undefined ? row.executionMetadata : toJson(executionMetadata),
      });
      return true;
    });
  }

  async retry(id: string): Promise<boolean> {
    return this.statement('retry', () => {
      const row = this.rows.get(id);
      if (!row || (row.status !== 'failed' && row.status !== 'cancelled')) return false;
      retryRow(row, Date.now());
      return true;
    });
  }

  findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const row = this.rows.get(id);
    return Promise.resolve(row && toRecord(row));
  }

  findViews(ids: readonly string[]): Promise<TaskViewRecord[]> {
    const views = ids.flatMap((id) => {
      const row = this.rows.get(id);
      if (!row) return [];
      const { leaseOwner: _owner, leaseExpiresAt: _expires, idempotencyKey: _key, ...view } = toRecord(row);
      return [view];
    });
    return Promise.resolve(views);
  }

  activeCounts(): Promise<ActiveTaskCounts> {
    const count = (status: TaskStatus) =>
      [...this.rows.values()].filter((row) => row.status === status).length;
    return Promise.resolve({
      enqueued: count('enqueued'),
      processing: count('processing'),
      suspended: count('suspended'),
    });
  }

  list(query: TaskListQuery): Promise<BackgroundTaskRecord[]> {
    const rows = [...this.rows.values()]
      .filter(
        (row) =>
          (!query.status || row.status === query.status) &&
          (!query.name || row.name === query.name) &&
          (!query.createdBy || row.createdBy === query.createdBy) &&
          (!query.after || row.id < query.after.id),
      )
      .sort((a, b) => compareIds(b.id, a.id))
      .slice(0, query.limit);
    return Promise.resolve(rows.map(toRecord));
  }

  databaseTime(): Promise<Date> {
    return Promise.resolve(new Date());
  }

  /** Whether a row matches a bulk selection, as the SQL filter of storage/bulk-sql.ts says. */
  private matchesBulk(row: MemoryRow, { action, name, before }: BulkTaskSelection): boolean {
    const { statuses, boundedBy } = BULK_ACTIONS[action];
    const time = boundedBy === 'completed_at' ? row.completedAt : row.createdAt;
    return (
      statuses.includes(row.status) &&
      time !== null &&
      time <= before.getTime() &&
      (name === null || row.name === name)
    );
  }

  override countBulk(selection: BulkTaskSelection): Promise<number> {
    return Promise.resolve([...this.rows.values()].filter((row) => this.matchesBulk(row, selection)).length);
  }

  override scanBulkWindow(
    selection: BulkTaskSelection,
    after: string | null,
    size: number,
  ): Promise<BulkWindow> {
    const window = [...this.rows.values()]
      .filter((row) => after === null || row.id > after)
      .sort((a, b) => compareIds(a.id, b.id))
      .slice(0, size);
    return Promise.resolve({
      matching: window.filter((row) => this.matchesBulk(row, selection)).map((row) => row.id),
      last: window.length === 0 ? null : window[window.length - 1].id,
    });
  }

  override applyBulk(
    selection: BulkTaskSelection,
    ids: readonly string[],
    error: unknown,
  ): Promise<string[]> {
    const changed: string[] = [];
    const now = Date.now();
    for (const id of ids) {
      const row = this.rows.get(id);
      if (!row || !this.matchesBulk(row, selection)) continue;
      changed.push(id);
      if (selection.action === 'delete') this.rows.delete(id);
      else if (selection.action === 'cancel') cancelRow(row, error, now);
      else retryRow(row, now);
    }
    return Promise.resolve(changed);
  }

  deleteFinished(completedBefore: Date, limit: number): Promise<string[]> {
    const doomed = [...this.rows.values()]
      .filter((row) => row.completedAt !== null && row.completedAt < completedBefore.getTime())
      .sort((a, b) => a.completedAt! - b.completedAt!)
      .slice(0, limit);
    for (const row of doomed) this.rows.delete(row.id);
    return Promise.resolve(doomed.map((row) => row.id));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A retry, as POST /:id/retry and a bulk retry write it: a fresh budget of attempts. */
function retryRow(row: MemoryRow, now: number): void {
  Object.assign(row, {
    status: 'enqueued',
    maxAttempts: row.attempts + row.maxAttempts,
    runAfter: now,
    completedAt: null,
    cancelRequestedAt: null,
    result: null,
    updatedAt: now,
  });
}

/** A waiting task cancelled, by its id or in bulk. */
function cancelRow(row: MemoryRow, error: unknown, now: number): void {
  Object.assign(row, {
    status: 'cancelled',
    error: toJson(error),
    completedAt: now,
    updatedAt: now,
    resumeAt: null,
  });
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function newRow(id: string, name: string, now: number): MemoryRow {
  return {
    id,
    name,
    status: 'enqueued',
    priority: 0,
    runAfter: now,
    attempts: 0,
    maxAttempts: 1,
    leaseOwner: null,
    leaseExpiresAt: null,
    cancelRequestedAt: null,
    createdBy: null,
    idempotencyKey: null,
    concurrencyKey: null,
    traceContext: null,
    metadata: 'null',
    executionMetadata: null,
    result: null,
    error: null,
    attemptErrors: [],
    progress: { step: null, info: null, percent: 0 },
    resumeAt: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    completedAt: null,
  };
}

/** PostgreSQL refuses \u0000 and lone surrogates in jsonb (SQLSTATE 22P05): so does this store. */
function refuseUnstorable(...texts: (string | null)[]): void {
  if (texts.some((text) => text !== null && !isStorableJsonText(text))) {
    throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
  }
}

const parse = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

function toClaimedTask(row: MemoryRow): ClaimedTask {
  return {
    id: row.id,
    name: row.name,
    metadata: parse(row.metadata),
    executionMetadata: parse(row.executionMetadata),
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    createdBy: row.createdBy,
    leaseOwner: row.leaseOwner!,
    progress: row.progress,
    priority: row.priority,
    runAfter: new Date(row.runAfter),
    claimedAt: new Date(row.startedAt!),
    traceContext: row.traceContext,
  };
}

function toRecord(row: MemoryRow): BackgroundTaskRecord {
  const date = (ms: number | null) => (ms === null ? null : new Date(ms));
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    priority: row.priority,
    runAfter: new Date(row.runAfter),
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    leaseOwner: row.leaseOwner,
    leaseExpiresAt: date(row.leaseExpiresAt),
    concurrencyKey: row.concurrencyKey,
    cancelRequestedAt: date(row.cancelRequestedAt),
    createdBy: row.createdBy,
    idempotencyKey: row.idempotencyKey,
    metadata: parse(row.metadata),
    executionMetadata: parse(row.executionMetadata),
    result: parse(row.result),
    error: parse(row.error),
    progress: row.progress,
    resumeAt: date(row.resumeAt),
    attemptErrors: row.attemptErrors.map(
      (json) => JSON.parse(json) as BackgroundTaskRecord['attemptErrors'][number],
    ),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    startedAt: date(row.startedAt),
    completedAt: date(row.completedAt),
  };
}
