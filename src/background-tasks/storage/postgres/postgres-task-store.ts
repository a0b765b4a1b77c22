import type { Pool, PoolClient } from 'pg';
import { runFlowClaim, type FlowClaimRequest, type FlowClaimSteps } from '../../flow/flow-claim.js';
import type { EntityManager } from 'typeorm';
import { CANCELLED_WHILE_RUNNING, toEndingRow, toJson } from '../ending-row.js';
import { insertParameters } from '../insert-parameters.js';
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
  toActiveCounts,
  toLeaseRenewal,
  toClaimedTask,
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
import { postgresFlowStatements } from './postgres-flow-statements.js';
import { announcement, postgresStatements } from './postgres-statements.js';

type Row = Record<string, unknown>;
type StatementName = keyof ReturnType<typeof postgresStatements>;
type FlowStatementName = keyof ReturnType<typeof postgresFlowStatements>;

/** pg parses jsonb (and timestamptz) itself. */
const readers: ColumnReaders = { json: (value) => (value === undefined ? null : value) };

/**
 * PostgreSQL, through the pg pool that TypeORM opened. The statements are named, so each pooled connection
 * parses and plans them once and afterwards only binds parameters; behind a transaction pooler they are
 * not (DATABASE_POOLING=transaction), as a name prepared on one server connection is unknown on the next.
 */
export class PostgresTaskStore extends TaskStore {
  readonly engine = 'postgres' as const;
  override readonly handsOver = true;
  private readonly sql: ReturnType<typeof postgresStatements>;
  private readonly flowSql: ReturnType<typeof postgresFlowStatements>;
  protected override readonly bulk: BulkQueries;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly namedStatements = true,
  ) {
    super();
    this.sql = postgresStatements(schema);
    this.flowSql = postgresFlowStatements(schema);
    this.bulk = new BulkQueries(
      {
        engine: 'postgres',
        table: `"${schema}"."background_tasks"`,
        announce: announcement(schema),
      },
      async (_, { sql, params }) => (await this.pool.query<Row>(sql, params)).rows,
    );
  }

  /** A flow statement, on the pool or on one transaction's connection. */
  private async runFlow(name: FlowStatementName, values: unknown[], client?: PoolClient): Promise<Row[]> {
    const text = this.flowSql[name];
    const query = this.namedStatements
      ? { name: `${this.schema}.flow.${name}`, text, values }
      : { text, values };
    return (await (client ?? this.pool).query<Row>(query)).rows;
  }

  private async run(name: StatementName, values: unknown[]) {
    const text = this.sql[name];
    return this.pool.query<Row>(
      this.namedStatements ? { name: `${this.schema}.${name}`, text, values } : { text, values },
    );
  }

  private async changed(name: StatementName, values: unknown[]): Promise<number> {
    return (await this.run(name, values)).rowCount ?? 0;
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    const values = insertParameters(task);
    // With a manager the insert runs on the caller's transaction connection; the insert's NOTIFY
    // is then delivered when (and only if) that transaction commits.
    const query = async (sql: string, params: unknown[]): Promise<Row[]> =>
      manager ? await manager.query<Row[]>(sql, params) : (await this.pool.query<Row>(sql, params)).rows;
    const inserted = manager ? await query(this.sql.insert, values) : (await this.run('insert', values)).rows;
    if (inserted.length > 0) return { id: task.id, created: true };
    return this.holderOf(
      task.idempotencyKey,
      await query(this.sql.idByIdempotencyKey, [task.idempotencyKey]),
    );
  }

  /** The task that already held the idempotency key of an insert that did nothing. */
  private holderOf(key: string | null, existing: Row[]): EnqueueResult {
    if (existing.length === 0) {
      // Only under REPEATABLE READ or SERIALIZABLE, where PostgreSQL normally raises a serialization failure first.
      throw new Error(`The task holding idempotency key ${key} is not visible to this transaction`);
    }
    return { id: String(existing[0].id), created: false };
  }

  override async enqueueClaimed(task: NewTaskRow, lease: LeaseRequest): Promise<ClaimedEnqueueResult> {
    const { leaseOwner, leaseDurationMs, names } = lease;
    const values = [...insertParameters(task), leaseOwner, leaseDurationMs, names];
    const [row] = (await this.run('insertClaimed', values)).rows;
    if (!row) {
      const { rows } = await this.run('idByIdempotencyKey', [task.idempotencyKey]);
      return this.holderOf(task.idempotencyKey, rows);
    }
    return {
      id: task.id,
      created: true,
      claimed: row.status === 'processing' ? toClaimedTask(row, readers) : undefined,
    };
  }

  async enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void> {
    const { name, priority, runAfter, maxAttempts, createdBy, concurrencyKey, traceContext } = batch;
    const values = [
      batch.ids.join(','),
      ...[name, priority, runAfter, maxAttempts, createdBy],
      `[${batch.metadata.join(',')}]`,
      concurrencyKey,
      traceContext,
    ];
    if (manager) await manager.query(this.sql.insertMany, values);
    else await this.run('insertMany', values);
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const { leaseOwner, leaseDurationMs, limit, names } = request;
    const { rows } = await this.run('claim', [leaseOwner, leaseDurationMs, limit, names]);
    return rows.map((row) => toClaimedTask(row, readers));
  }

  async claimFlow(request: FlowClaimRequest): Promise<ClaimedTask[]> {
    const client = await this.pool.connect();
    // A connection that breaks while checked out emits 'error' on the client, not on the pool: without a
    // listener that is an unhandled error event, which ends the process. The failing query rejects too.
    const ignore = () => undefined;
    client.on('error', ignore);
    let failed = false;
    try {
      await client.query('BEGIN');
      await this.runFlow('begin', [request.policy.rateLimit !== undefined], client);
      const claimed = await runFlowClaim(request, this.flowSteps(client));
      await client.query('COMMIT');
      return claimed;
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(ignore);
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(failed); // after a failure the connection is dropped: it may be broken
    }
  }

  /** The flow claim's statements, on the connection of its transaction. */
  private flowSteps(client: PoolClient): FlowClaimSteps {
    const run = (name: FlowStatementName, values: unknown[]) => this.runFlow(name, values, client);
    return {
      lock: async (name) => {
        const [row] = await run('lock', [name]);
        return {
          paused: row.paused === true,
          fairCursor: (row.fair_cursor as string | null) ?? null,
          now: new Date(Number(row.now_ms)),
        };
      },
      running: async (name) => countsByKey(await run('running', [name]), 'key'),
      keys: async (name, after, count) => {
        const rows =
          after === null
            ? await run('keysFromFirst', [name, count])
            : await run('keysAfter', [name, count, after]);
        return rows.map((row) => String(row.key));
      },
      startsSince: async (scopes, since) => countsByKey(await run('startsSince', [scopes, since]), 'scope'),
      candidates: async (name, takes) => {
        const rows =
          'any' in takes
            ? await run('candidatesOfAnyKey', [name, takes.any])
            : await run('candidatesOfKeys', [
                name,
                takes.map(({ key }) => key),
                takes.map(({ take }) => take),
              ]);
        return rows.map(toClaimCandidate);
      },
      claim: async (ids, lease) =>
        (await run('claim', [ids, lease.leaseOwner, lease.leaseDurationMs])).map((row) =>
          toClaimedTask(row, readers),
        ),
      recordStarts: async (name, scopes, at, before) => {
        await run('recordStarts', [scopes, at]);
        await run('pruneStarts', [name, before]);
      },
      saveCursor: async (name, key) => void (await run('saveCursor', [name, key])),
    };
  }

  async adoptUnkeyedTasks(name: string): Promise<number> {
    const text = this.flowSql.adoptUnkeyed;
    return (await this.pool.query({ text, values: [name] })).rowCount ?? 0;
  }

  async setPaused(name: string, paused: boolean, by: string | null): Promise<void> {
    await this.runFlow('setPaused', [name, paused, paused ? new Date() : null, paused ? by : null]);
  }

  async queueStates(name?: string): Promise<TaskQueueState[]> {
    return (await this.runFlow('queueStates', [name ?? null])).map(toTaskQueueState);
  }

  async countsByName(name?: string): Promise<TaskCount[]> {
    return (await this.runFlow('countsByName', [name ?? null])).map(toTaskCount);
  }

  async renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]> {
    const { rows } = await this.run('renewLeases', [leaseOwners, leaseDurationMs, renewWithinMs]);
    return rows.map(toLeaseRenewal);
  }

  recoverExpiredLeases(): Promise<number> {
    return this.changed('recoverExpiredLeases', [toJson(LEASE_EXPIRED_ERROR)]);
  }

  resumeDueTasks(): Promise<number> {
    return this.changed('resumeDueTasks', []);
  }

  async saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    return (
      (await this.changed('saveProgress', [
        id,
        leaseOwner,
        progress.step,
        progress.info,
        progress.percent,
      ])) === 1
    );
  }

  async checkpoint(
    id: string,
    leaseOwner: string,
    executionMetadataJson: string,
    progress: TaskProgress,
    manager?: EntityManager,
  ): Promise<boolean> {
    const { step, info, percent } = progress;
    const values = [id, leaseOwner, executionMetadataJson, step, info, percent];
    if (manager?.queryRunner) {
      return (await manager.queryRunner.query(this.sql.checkpoint, values, true)).affected === 1;
    }
    return (await this.changed('checkpoint', values)) === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const { rows } = await this.run('finish', [
      JSON.stringify(runs.map(toEndingRow)),
      toJson(CANCELLED_WHILE_RUNNING),
    ]);
    return new Set(rows.map((row) => String(row.id)));
  }

  async cancelWaiting(id: string, error: unknown): Promise<boolean> {
    return (await this.changed('cancelWaiting', [id, toJson(error)])) === 1;
  }

  async requestCancellation(id: string): Promise<boolean> {
    return (await this.changed('requestCancellation', [id])) === 1;
  }

  async resume(id: string, executionMetadata: unknown): Promise<boolean> {
    const json = executionMetadata === undefined ? null : toJson(executionMetadata);
    return (await this.run('resume', [id, json])).rows.length === 1;
  }

  async retry(id: string): Promise<boolean> {
    return (await this.run('retry', [id])).rows.length === 1;
  }

  async list(query: TaskListQuery): Promise<BackgroundTaskRecord[]> {
    const { sql, params } = buildListQuery(query, {
      table: `"${this.schema}"."background_tasks"`,
      placeholder: (index) => `$${index + 1}`,
      sqlServer: false,
    });
    const { rows } = await this.pool.query<Row>(sql, params);
    return rows.map((row) => toTaskRecord(row, readers));
  }

  async databaseTime(): Promise<Date> {
    const { rows } = await this.pool.query<Row>('SELECT now() AS now');
    return rows[0].now as Date;
  }

  async deleteFinished(completedBefore: Date, limit: number): Promise<string[]> {
    const { rows } = await this.run('deleteFinished', [completedBefore, limit]);
    return rows.map((row) => String(row.id));
  }

  async endingsPerMinute(since: Date): Promise<TaskEndings[]> {
    return (await this.run('endingsPerMinute', [since])).rows.map(toTaskEndings);
  }

  async oldestDue(now: Date): Promise<OldestDueTask | undefined> {
    const { rows } = await this.run('oldestDue', [now]);
    return rows[0] ? toOldestDueTask(rows[0]) : undefined;
  }

  async activeCounts(): Promise<ActiveTaskCounts> {
    return toActiveCounts((await this.run('activeCounts', [])).rows[0]);
  }

  async reportWorker(beat: WorkerHeartbeat): Promise<void> {
    await this.run('reportWorker', [...workerColumnValues(beat), beat.startedAt, beat.lastClaimAt]);
  }

  async forgetWorker(id: string): Promise<void> {
    await this.run('forgetWorker', [id]);
  }

  async workers(): Promise<WorkerRecord[]> {
    return (await this.run('workers', [])).rows.map(toWorkerRecord);
  }

  removeGoneWorkers(): Promise<number> {
    return this.changed('removeGoneWorkers', [GONE_WORKER_KEPT_LEASES]);
  }

  async findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const { rows } = await this.run('findById', [id]);
    return rows[0] ? toTaskRecord(rows[0], readers) : undefined;
  }

  async findViews(ids: readonly string[]): Promise<TaskViewRecord[]> {
    const { rows } = await this.run('findViews', [ids]);
    return rows.map((row) => toTaskViewRecord(row, readers));
  }

  /** The pool belongs to TypeORM, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
