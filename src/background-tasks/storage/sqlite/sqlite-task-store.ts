import Database from 'better-sqlite3';
import type { EntityManager } from 'typeorm';
import { SQLITE_PRAGMAS } from '../../../database/data-source-options.js';
import { CANCELLED_WHILE_RUNNING, toEndingRow, toJson } from '../ending-row.js';
import { idAndMetadataPairs } from '../insert-parameters.js';
import { BulkQueries } from '../bulk-sql.js';
import { buildListQuery } from '../task-list-sql.js';
import type {
  BackgroundTaskRecord,
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
  TaskEndings,
  OldestDueTask,
  TaskListQuery,
  TaskProgress,
  TaskQueueState,
  TaskViewRecord,
  WorkerHeartbeat,
  WorkerRecord,
} from '../../model/task-records.js';
import {
  LEASE_EXPIRED_ERROR,
  parseJsonText,
  toActiveCounts,
  toClaimedTask,
  toLeaseRenewal,
  toTaskRecord,
  countsByKey,
  toTaskCount,
  toTaskQueueState,
  toTaskViewRecord,
  type ColumnReaders,
  toClaimCandidate,
  toOldestDueTask,
  toWorkerRecord,
  workerColumnValues,
  toTaskEndings,
} from '../task-row-mapper.js';
import { GONE_WORKER_KEPT_LEASES, TaskStore, type ActiveTaskCounts } from '../task-store.js';
import { retryWhileBusy } from './sqlite-busy-retry.js';
import { sqliteFlowStatements } from './sqlite-flow-statements.js';
import { sqliteStatements } from './sqlite-statements.js';
import { runFlowClaimSync, type FlowClaimRequest, type FlowClaimSteps } from '../../flow/flow-claim.js';

const readers: ColumnReaders = { json: parseJsonText };

/** Timestamps are ISO 8601 UTC text with milliseconds: they sort as text in the same order as in time. */
const now = () => new Date().toISOString();
const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();

type Row = Record<string, unknown>;

/** A new task's column values as the insert statements bind them; a task due now runs after its creation time. */
function insertValues(task: NewTaskRow) {
  const at = now();
  return {
    id: task.id,
    name: task.name,
    priority: task.priority,
    runAfter: task.runAfter ? task.runAfter.toISOString() : at,
    maxAttempts: task.maxAttempts,
    createdBy: task.createdBy,
    idempotencyKey: task.idempotencyKey,
    metadata: task.metadataJson,
    executionMetadata: task.executionMetadataJson,
    concurrencyKey: task.concurrencyKey,
    traceContext: task.traceContext,
    now: at,
  };
}
type Statements = { [name in keyof ReturnType<typeof sqliteStatements>]: Database.Statement };
type FlowStatements = { [name in keyof ReturnType<typeof sqliteFlowStatements>]: Database.Statement };

/**
 * SQLite: one writer at a time for the whole file, so every statement is atomic by construction.
 *
 * The store opens its own connection to the file instead of sharing TypeORM's. TypeORM's better-sqlite3
 * driver runs every query runner on one connection, so a queue write made while a request's transaction
 * is open would silently join that transaction and vanish with its rollback. On its own connection each
 * statement commits by itself; better-sqlite3 runs it synchronously, so it never holds the write lock
 * across an `await` and never makes TypeORM's connection wait.
 */
export class SqliteTaskStore extends TaskStore {
  readonly engine = 'sqlite' as const;
  override readonly handsOver = true;
  private readonly db: Database.Database;
  private readonly statements: Statements;
  private readonly flow: FlowStatements;
  private readonly claimFlowInTransaction: (request: FlowClaimRequest) => ClaimedTask[];
  private readonly finishAll: (rows: Row[]) => string[];
  private readonly renewAndReadLeases: (params: Record<string, string>) => Row[];
  /**
   * Statements built per call (the list's filters, a bulk operation's action and name): a handful of
   * texts, each prepared once.
   */
  private readonly preparedByText = new Map<string, Database.Statement>();
  protected override readonly bulk = new BulkQueries(
    { engine: 'sqlite', table: 'background_tasks' },
    (_, { sql, params }) => {
      let statement = this.preparedByText.get(sql);
      if (!statement) this.preparedByText.set(sql, (statement = this.db.prepare(sql)));
      const prepared = statement;
      return retryWhileBusy(() => prepared.all(...params) as Row[]); // each returns rows (RETURNING id)
    },
  );

  constructor(file: string) {
    super();
    // Setting the pragmas may have to wait for another process's lock; after that, waits happen in
    // retryWhileBusy, off the event loop.
    this.db = new Database(file, { timeout: 5_000 });
    SQLITE_PRAGMAS.forEach((pragma) => this.db.pragma(pragma));
    this.db.pragma('busy_timeout = 0');
    const prepareAll = <T>(texts: Record<string, string>) =>
      Object.fromEntries(Object.entries(texts).map(([name, text]) => [name, this.db.prepare(text)])) as T;
    this.statements = prepareAll<Statements>(sqliteStatements());
    this.flow = prepareAll<FlowStatements>(sqliteFlowStatements());
    // The whole claim in one IMMEDIATE transaction, synchronously (see runFlowClaimSync).
    const claimFlow = this.db.transaction((request: FlowClaimRequest) =>
      runFlowClaimSync(request, this.flowSteps()),
    );
    this.claimFlowInTransaction = (request) => claimFlow.immediate(request);
    // One IMMEDIATE transaction for a batch of endings: one commit instead of one per task.
    const finishInTransaction = this.db.transaction((rows: Row[]) =>
      rows.filter((row) => this.statements.finish.run(row).changes === 1).map((row) => String(row.id)),
    );
    this.finishAll = (rows) => finishInTransaction.immediate(rows);
    const renewAndRead = this.db.transaction((params: Record<string, string>) => {
      this.statements.renewLeases.run(params);
      return this.statements.heldLeases.all({ owners: params.owners }) as Row[];
    });
    this.renewAndReadLeases = (params) => renewAndRead.immediate(params);
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    const v = insertValues(task);
    // Positional, in the insert statement's order: TypeORM's connection takes no named parameters.
    const params = [
      ...[v.id, v.name, v.priority, v.runAfter, v.maxAttempts, v.createdBy, v.idempotencyKey],
      ...[v.metadata, v.executionMetadata, v.now, v.now, v.concurrencyKey, v.traceContext],
    ];
    const sql = sqliteStatements();
    if (manager) {
      // Inside the caller's transaction, on TypeORM's connection.
      const inserted = await manager.query<Row[]>(sql.insert, params);
      if (inserted.length > 0) return { id: task.id, created: true };
      const existing = await manager.query<Row[]>(sql.idByIdempotencyKey, [task.idempotencyKey]);
      return { id: String(existing[0].id), created: false };
    }
    const inserted = await retryWhileBusy(() => this.statements.insert.all(...params) as Row[]);
    if (inserted.length > 0) return { id: task.id, created: true };
    return this.holderOf(task.idempotencyKey);
  }

  /** The task that already held the idempotency key of an insert that did nothing (one writer: it is there). */
  private holderOf(key: string | null): EnqueueResult {
    const existing = this.statements.idByIdempotencyKey.get(key) as Row;
    return { id: String(existing.id), created: false };
  }

  override async enqueueClaimed(task: NewTaskRow, lease: LeaseRequest): Promise<ClaimedEnqueueResult> {
    const params = {
      ...insertValues(task),
      owner: lease.leaseOwner,
      expires: inMs(lease.leaseDurationMs),
      names: JSON.stringify(lease.names),
    };
    const [row] = await retryWhileBusy(() => this.statements.insertClaimed.all(params) as Row[]);
    if (!row) return this.holderOf(task.idempotencyKey);
    return {
      id: task.id,
      created: true,
      claimed: row.status === 'processing' ? toClaimedTask(row, readers) : undefined,
    };
  }

  async enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void> {
    const at = now();
    const { name, priority, runAfter, maxAttempts, createdBy, concurrencyKey, traceContext } = batch;
    const runAt = runAfter ? runAfter.toISOString() : at;
    const pairs = idAndMetadataPairs(batch);
    const params = [
      name,
      priority,
      runAt,
      maxAttempts,
      createdBy,
      at,
      at,
      concurrencyKey,
      traceContext,
      pairs,
    ];
    if (manager) await manager.query(sqliteStatements().insertMany, params);
    else await retryWhileBusy(() => this.statements.insertMany.run(...params));
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const rows = await retryWhileBusy(
      () =>
        this.statements.claim.all({
          owner: request.leaseOwner,
          expires: inMs(request.leaseDurationMs),
          now: now(),
          names: JSON.stringify(request.names),
          limit: request.limit,
        }) as Row[],
    );
    return rows.map((row) => toClaimedTask(row, readers));
  }

  async claimFlow(request: FlowClaimRequest): Promise<ClaimedTask[]> {
    return retryWhileBusy(() => this.claimFlowInTransaction(request));
  }

  /** The flow claim's statements; synchronous, inside claimFlow's transaction. */
  private flowSteps(): FlowClaimSteps {
    const { flow } = this;
    const at = now();
    return {
      lock: (name) => {
        const row = flow.lock.get({ name, now: at }) as Row;
        return {
          paused: row.paused === 1,
          fairCursor: (row.fair_cursor as string | null) ?? null,
          now: new Date(at),
        };
      },
      running: (name) => countsByKey(flow.running.all({ name }) as Row[], 'key'),
      keys: (name, after, count) => {
        const rows = (
          after === null
            ? flow.keysFromFirst.all({ name, count })
            : flow.keysAfter.all({ name, after, count })
        ) as Row[];
        return rows.map((row) => String(row.key));
      },
      startsSince: (scopes, since) =>
        countsByKey(
          flow.startsSince.all({ scopes: JSON.stringify(scopes), since: since.toISOString() }) as Row[],
          'scope',
        ),
      candidates: (name, takes) => {
        const rows =
          'any' in takes
            ? (flow.candidatesOfAnyKey.all({ name, now: at, take: takes.any }) as Row[])
            : takes.flatMap(
                ({ key, take }) => flow.candidatesOfKey.all({ name, key, now: at, take }) as Row[],
              );
        return rows.map(toClaimCandidate);
      },
      claim: (ids, lease) => {
        const params = {
          ids: JSON.stringify(ids),
          owner: lease.leaseOwner,
          expires: inMs(lease.leaseDurationMs),
          now: at,
        };
        return (flow.claim.all(params) as Row[]).map((row) => toClaimedTask(row, readers));
      },
      recordStarts: (name, scopes, startedAt, before) => {
        flow.recordStarts.run({ scopes: JSON.stringify(scopes), at: startedAt.toISOString() });
        flow.pruneStarts.run({ name, before: before.toISOString() });
      },
      saveCursor: (name, key) => void flow.saveCursor.run({ name, key }),
    };
  }

  async adoptUnkeyedTasks(name: string): Promise<number> {
    return (await retryWhileBusy(() => this.flow.adoptUnkeyed.run({ name }))).changes;
  }

  async setPaused(name: string, paused: boolean, by: string | null): Promise<void> {
    const params = { name, paused: Number(paused), at: paused ? now() : null, by: paused ? by : null };
    await retryWhileBusy(() => this.flow.setPaused.run(params));
  }

  queueStates(name?: string): Promise<TaskQueueState[]> {
    const rows = this.flow.queueStates.all({ name: name ?? null }) as Row[];
    return Promise.resolve(rows.map(toTaskQueueState));
  }

  countsByName(name?: string): Promise<TaskCount[]> {
    return Promise.resolve((this.flow.countsByName.all({ name: name ?? null }) as Row[]).map(toTaskCount));
  }

  async renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]> {
    const owners = JSON.stringify(leaseOwners);
    const params = { expires: inMs(leaseDurationMs), renewBefore: inMs(renewWithinMs), owners };
    const rows = await retryWhileBusy(() => this.renewAndReadLeases(params));
    return rows.map(toLeaseRenewal);
  }

  async recoverExpiredLeases(): Promise<number> {
    const params = { now: now(), error: toJson(LEASE_EXPIRED_ERROR) };
    return (await retryWhileBusy(() => this.statements.recoverExpiredLeases.run(params))).changes;
  }

  async resumeDueTasks(): Promise<number> {
    return (await retryWhileBusy(() => this.statements.resumeDueTasks.run({ now: now() }))).changes;
  }

  async saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    const { step, info, percent } = progress;
    const result = await retryWhileBusy(() =>
      this.statements.saveProgress.run(step, info, percent, now(), id, leaseOwner),
    );
    return result.changes === 1;
  }

  async checkpoint(
    id: string,
    leaseOwner: string,
    executionMetadataJson: string,
    progress: TaskProgress,
    manager?: EntityManager,
  ): Promise<boolean> {
    const { step, info, percent } = progress;
    const params = [executionMetadataJson, step, info, percent, now(), id, leaseOwner];
    if (manager?.queryRunner) {
      // In the caller's transaction, on TypeORM's connection.
      return (await manager.queryRunner.query(sqliteStatements().checkpoint, params, true)).affected === 1;
    }
    return (await retryWhileBusy(() => this.statements.checkpoint.run(...params))).changes === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const shared = { now: now(), cancelledError: toJson(CANCELLED_WHILE_RUNNING) };
    const rows = runs.map((run) => {
      const row = toEndingRow(run);
      // better-sqlite3 binds no booleans.
      return { ...row, keepError: Number(row.keepError), final: Number(row.final), ...shared };
    });
    return new Set(await retryWhileBusy(() => this.finishAll(rows)));
  }

  async cancelWaiting(id: string, error: unknown): Promise<boolean> {
    const at = now();
    return (
      (await retryWhileBusy(() => this.statements.cancelWaiting.run(toJson(error), at, at, id))).changes === 1
    );
  }

  async requestCancellation(id: string): Promise<boolean> {
    const at = now();
    return (await retryWhileBusy(() => this.statements.requestCancellation.run(at, at, id))).changes === 1;
  }

  async resume(id: string, executionMetadata: unknown): Promise<boolean> {
    const at = now();
    const json = executionMetadata === undefined ? null : toJson(executionMetadata);
    return (await retryWhileBusy(() => this.statements.resume.run(at, at, json, id))).changes === 1;
  }

  async retry(id: string): Promise<boolean> {
    const at = now();
    return (await retryWhileBusy(() => this.statements.retry.run(at, at, id))).changes === 1;
  }

  list(query: TaskListQuery): Promise<BackgroundTaskRecord[]> {
    const { sql, params } = buildListQuery(query, {
      table: 'background_tasks',
      placeholder: () => '?',
      sqlServer: false,
    });
    let statement = this.preparedByText.get(sql);
    if (!statement) this.preparedByText.set(sql, (statement = this.db.prepare(sql)));
    const rows = statement.all(...params) as Row[];
    return Promise.resolve(rows.map((row) => toTaskRecord(row, readers)));
  }

  /** One clock: the database is this process's own file. */
  databaseTime(): Promise<Date> {
    return Promise.resolve(new Date());
  }

  async deleteFinished(completedBefore: Date, limit: number): Promise<string[]> {
    const rows = await retryWhileBusy(
      () => this.statements.deleteFinished.all(completedBefore.toISOString(), limit) as Row[],
    );
    return rows.map((row) => String(row.id));
  }

  endingsPerMinute(since: Date): Promise<TaskEndings[]> {
    const rows = this.statements.endingsPerMinute.all(since.toISOString()) as Row[];
    return Promise.resolve(rows.map(toTaskEndings));
  }

  oldestDue(now: Date): Promise<OldestDueTask | undefined> {
    const row = this.statements.oldestDue.get(now.toISOString()) as Row | undefined;
    return Promise.resolve(row ? toOldestDueTask(row) : undefined);
  }

  activeCounts(): Promise<ActiveTaskCounts> {
    return Promise.resolve(toActiveCounts(this.statements.activeCounts.get() as Row));
  }

  async reportWorker(beat: WorkerHeartbeat): Promise<void> {
    const values = workerColumnValues(beat).map((value) =>
      typeof value === 'boolean' ? Number(value) : value,
    );
    const times = [beat.startedAt.toISOString(), beat.lastClaimAt?.toISOString() ?? null, now()];
    await retryWhileBusy(() => this.statements.reportWorker.run(...values, ...times));
  }

  async forgetWorker(id: string): Promise<void> {
    await retryWhileBusy(() => this.statements.forgetWorker.run(id));
  }

  workers(): Promise<WorkerRecord[]> {
    return Promise.resolve((this.statements.workers.all(now()) as Row[]).map(toWorkerRecord));
  }

  async removeGoneWorkers(): Promise<number> {
    const removed = () => this.statements.removeGoneWorkers.run(now(), GONE_WORKER_KEPT_LEASES);
    return (await retryWhileBusy(removed)).changes;
  }

  findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const row = this.statements.findById.get(id) as Row | undefined;
    return Promise.resolve(row ? toTaskRecord(row, readers) : undefined);
  }

  findViews(ids: readonly string[]): Promise<TaskViewRecord[]> {
    const rows = this.statements.findViews.all(JSON.stringify(ids)) as Row[];
    return Promise.resolve(rows.map((row) => toTaskViewRecord(row, readers)));
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
