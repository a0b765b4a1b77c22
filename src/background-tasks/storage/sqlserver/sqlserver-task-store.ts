import type { DataSource, EntityManager, MssqlParameter, QueryRunner } from 'typeorm';
import { CANCELLED_WHILE_RUNNING, toEndingRow, toJson } from '../ending-row.js';
import { insertParameters } from '../insert-parameters.js';
import { BulkQueries } from '../bulk-sql.js';
import { buildListQuery } from '../task-list-sql.js';
import type {
  BackgroundTaskRecord,
  ClaimedTask,
  ClaimRequest,
  EnqueueResult,
  FinishedRun,
  LeaseRenewal,
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
import { sqlServerDatetime2 } from '../../../database/sqlserver-parameters.js';
import { readId } from '../../../database/row-readers.js';
import { typed, valuesStatements } from '../../../database/sqlserver-values.js';
import { ENDING_COLUMNS, sqlserverStatements } from './sqlserver-statements.js';
import { sqlserverFlowStatements } from './sqlserver-flow-statements.js';
import { runFlowClaim, type FlowClaimRequest, type FlowClaimSteps } from '../../flow/flow-claim.js';
import { withTransientRetries, type Repeatable } from './sqlserver-transient-errors.js';

type Row = Record<string, unknown>;
type Statements = ReturnType<typeof sqlserverStatements>;
type FlowStatements = ReturnType<typeof sqlserverFlowStatements>;
type StatementName =
  | keyof Statements
  | 'list'
  | 'claimFlow'
  | 'databaseTime'
  | 'countBulk'
  | 'scanBulkWindow'
  | 'applyBulk'
  | keyof FlowStatements;
/** The statements whose text is fixed (the others are functions of their rows). */
type PlainStatementName = {
  [K in keyof Statements]: Statements[K] extends string ? K : never;
}[keyof Statements];

/**
 * Which statements may be sent again after a failure that leaves unknown whether they committed (see
 * sqlserver-transient-errors.ts): reads, and writes that leave the same state however often they run.
 * Every statement is sent again after a deadlock, which the server rolled back.
 */
const REPEATABLE: Record<StatementName, Repeatable> = {
  insert: 'if rolled back', // a second insert would be a second task
  insertWithKey: 'always', // the key makes a repeat insert nothing (the caller then hears created: false)
  idByIdempotencyKey: 'always',
  insertMany: 'if rolled back',
  claim: 'if rolled back', // a lost claim's rows go back to the queue when their leases expire
  renewLeases: 'always',
  recoverExpiredLeases: 'always',
  resumeDueTasks: 'always',
  saveProgress: 'always',
  checkpoint: 'always',
  // Fenced on the lease owner: a repeat of a stored ending changes nothing (the lease is gone) and reports
  // the run as no longer held, which the ending writer logs; the ending itself is stored once.
  finish: 'always',
  cancelWaiting: 'if rolled back', // a repeat would answer "not waiting" for the task it just cancelled
  requestCancellation: 'always',
  resume: 'if rolled back',
  retry: 'if rolled back',
  deleteFinished: 'if rolled back', // the ids of a lost delete would never reach the file cleanup
  activeCounts: 'always',
  endingsPerMinute: 'always',
  oldestDue: 'always',
  findById: 'always',
  findViews: 'always',
  list: 'always',
  databaseTime: 'always',
  countBulk: 'always',
  scanBulkWindow: 'always',
  // A repeat finds the changed rows no longer matching and answers none: the operation's count would miss
  // them, and a delete's files would wait for the orphan sweep.
  applyBulk: 'if rolled back',
  // A lost flow claim is a lost claim (its rows go back at lease expiry); its starts are then counted
  // without their runs, which errs on the safe side of a rate limit.
  claimFlow: 'if rolled back',
  lock: 'always',
  insertQueue: 'always',
  now: 'always',
  running: 'always',
  nextKey: 'always',
  startsSince: 'always',
  candidatesOfAnyKey: 'always',
  candidatesOfKeys: 'always',
  recordStarts: 'if rolled back',
  pruneStarts: 'always',
  saveCursor: 'always',
  adoptUnkeyed: 'always',
  setPaused: 'always',
  queueStates: 'always',
  countsByName: 'always',
  // A heartbeat sent twice writes the same row twice; the deletes are idempotent.
  reportWorker: 'always',
  forgetWorker: 'always',
  workers: 'always',
  removeGoneWorkers: 'always',
};

/**
 * The most rows one claim statement takes. SQL Server escalates a statement's row locks to a table lock at
 * about 5,000 locks on one table, which would stall every other worker; a claimed row takes a lock in the
 * table and in each index its update touches (three), so 500 rows stay well below.
 */
export const MAX_CLAIM_ROWS = 500;

/**
 * Prefixed to the queue's own statements (those not run in a caller's transaction). A pooled connection
 * keeps the isolation level of the last transaction that set one (TypeORM sets it with SET TRANSACTION
 * ISOLATION LEVEL, which outlives the transaction); the claim and the sweeps are written for READ
 * COMMITTED. Inside sp_executesql, the form of every statement with parameters, the setting ends with the
 * statement; a statement without parameters leaves the connection in READ COMMITTED, the server's default.
 * XACT_ABORT is left as it is: each of these statements is a transaction of its own, which SQL
 * Server rolls back whole on any error or cancellation, with or without it.
 */
const READ_COMMITTED = 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\n';

/** mssql returns nvarchar(max) JSON as text (and datetime2 as Date, read as UTC: useUTC, data-source-options.ts). */
const readers: ColumnReaders = { json: parseJsonText };

/** uniqueidentifier comes back upper-case; ids are lower-case everywhere else. */
const idOf = (row: Row) => readId(row.id);

const isoDate = (isoText: string | null) => (isoText === null ? null : new Date(isoText));

/** A run's ending as one row of `finish`'s table value constructor, in ENDING_COLUMNS order. */
function endingValues(run: FinishedRun): MssqlParameter[] {
  const row = toEndingRow(run);
  return [
    typed.id(row.id),
    typed.text(row.leaseOwner),
    typed.text(row.status),
    typed.text(row.resultJson),
    typed.text(row.errorJson),
    typed.bit(row.keepError),
    typed.text(row.attemptErrorJson),
    typed.int(row.attemptsDelta),
    typed.datetime2(isoDate(row.runAfter)),
    typed.datetime2(isoDate(row.resumeAt)),
    typed.bit(row.final),
    typed.int(row.step),
    typed.text(row.info),
    typed.int(row.percent),
  ];
}

const UNIQUE_VIOLATIONS = new Set([2601, 2627]);
const driverErrorNumber = (error: unknown) =>
  (error as { driverError?: { number?: number } }).driverError?.number;

/**
 * SQL Server, through TypeORM's mssql pool. The statements are unit-tested as text and parsed with the T-SQL
 * grammar in `npm test`; the integration suites run them where TEST_MSSQL_URL points at a server (in CI,
 * a local Babelfish for PostgreSQL build; README, "SQL Server and Babelfish").
 */
export class SqlServerTaskStore extends TaskStore {
  readonly engine = 'sqlserver' as const;
  private readonly sql: ReturnType<typeof sqlserverStatements>;
  private readonly flowSql: FlowStatements;
  protected override readonly bulk: BulkQueries;
  /** Names whose row of background_task_queues this store made sure of (it is never deleted). */
  private readonly queuesMade = new Set<string>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    super();
    this.sql = sqlserverStatements(schema);
    this.flowSql = sqlserverFlowStatements(schema);
    this.bulk = new BulkQueries(
      { engine: 'sqlserver', table: `[${schema}].[background_tasks]` },
      async (name, { sql, params }) => (await this.run(name, params, undefined, sql)).records,
      readId,
    );
  }

  /**
   * Runs a statement on the caller's transaction when given one, as it is: the caller owns its settings
   * and its retries. Otherwise on a pooled connection, in READ COMMITTED, sent again after a transient
   * failure where REPEATABLE allows.
   */
  private async run(
    statement: StatementName,
    params: unknown[],
    manager?: EntityManager,
    sql: string = this.sql[statement as PlainStatementName],
  ): Promise<{ records: Row[]; affected: number }> {
    if (manager?.queryRunner) return this.send(manager.queryRunner, sql, params);
    return this.onPooledConnection(statement, (runner) => this.send(runner, READ_COMMITTED + sql, params));
  }

  /** Runs `work` on a connection of the pool, again after a transient failure where REPEATABLE allows. */
  private onPooledConnection<T>(
    statement: StatementName,
    work: (runner: QueryRunner) => Promise<T>,
  ): Promise<T> {
    return withTransientRetries(statement, REPEATABLE[statement], async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await work(runner);
      } finally {
        await runner.release();
      }
    });
  }

  private async send(
    runner: QueryRunner,
    sql: string,
    params: unknown[],
  ): Promise<{ records: Row[]; affected: number }> {
    const result = await runner.query(sql, params, true);
    return { records: (result.records ?? []) as Row[], affected: result.affected ?? 0 };
  }

  private async changedOne(statement: StatementName, params: unknown[]): Promise<boolean> {
    return (await this.run(statement, params)).affected === 1;
  }

  /**
   * The statements of one batch split to fit the parameter limit: one is run as any other; several run in
   * one transaction (the caller's, or one of their own), so that the batch is stored whole or not at all.
   */
  private async runBatch(
    statement: StatementName,
    statements: readonly { sql: string; params: unknown[] }[],
    manager?: EntityManager,
  ): Promise<Row[]> {
    if (statements.length === 1) {
      return (await this.run(statement, statements[0].params, manager, statements[0].sql)).records;
    }
    const inTransaction = async (runner: QueryRunner) => {
      const records: Row[] = [];
      for (const { sql, params } of statements)
        records.push(...(await this.send(runner, sql, params)).records);
      return records;
    };
    if (manager?.queryRunner) return inTransaction(manager.queryRunner);
    return this.onPooledConnection(statement, async (runner) => {
      await runner.startTransaction('READ COMMITTED');
      try {
        const records = await inTransaction(runner);
        await runner.commitTransaction();
        return records;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    });
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    const params = insertParameters(task);
    params[3] = sqlServerDatetime2(task.runAfter);
    if (task.idempotencyKey === null) {
      params.splice(6, 1); // the plain insert has no key column
      await this.run('insert', params, manager);
      return { id: task.id, created: true };
    }
    try {
      const { records } = await this.run('insertWithKey', params, manager);
      if (records.length > 0) return { id: task.id, created: true };
    } catch (error) {
      if (!UNIQUE_VIOLATIONS.has(driverErrorNumber(error) ?? 0)) throw error;
    }
    const { records } = await this.run('idByIdempotencyKey', [task.idempotencyKey], manager);
    return { id: idOf(records[0]), created: false };
  }

  async enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void> {
    const { name, priority, runAfter, maxAttempts, createdBy, concurrencyKey, traceContext } = batch;
    const tasks = batch.ids.map((id, index) => [id, batch.metadata[index]] as const);
    const statements = valuesStatements(tasks, {
      alias: 'task',
      columns: ['id', 'metadata'],
      toRow: ([id, metadata]) => [typed.id(id), typed.text(metadata)],
      sql: (tasks) => this.sql.insertMany(tasks),
      shared: [
        ...[name, priority, sqlServerDatetime2(runAfter), maxAttempts, createdBy, concurrencyKey],
        traceContext,
      ],
      maxRows: 1_000,
    });
    await this.runBatch('insertMany', statements, manager);
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const { limit, names, leaseOwner, leaseDurationMs } = request;
    const { records } = await this.run('claim', [
      Math.min(limit, MAX_CLAIM_ROWS),
      JSON.stringify(names),
      leaseOwner,
      leaseDurationMs,
    ]);
    return records.map((row) => toClaimedTask(row, readers));
  }

  async claimFlow(request: FlowClaimRequest): Promise<ClaimedTask[]> {
    return this.onPooledConnection('claimFlow', async (runner) => {
      if (!this.queuesMade.has(request.name)) {
        // Outside the claim's transaction: a primary key violation there would end it on Babelfish.
        await this.send(runner, READ_COMMITTED + this.flowSql.insertQueue, [request.name]).catch(
          (error: unknown) => {
            if (!UNIQUE_VIOLATIONS.has(driverErrorNumber(error) ?? 0)) throw error;
          },
        );
        this.queuesMade.add(request.name);
      }
      await runner.startTransaction('READ COMMITTED');
      try {
        const claimed = await runFlowClaim(request, this.flowSteps(runner));
        await runner.commitTransaction();
        return claimed;
      } catch (error) {
        if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        throw error;
      }
    });
  }

  /** The flow claim's statements, on the connection of its transaction. */
  private flowSteps(runner: QueryRunner): FlowClaimSteps {
    const run = async (name: keyof FlowStatements, params: unknown[]) =>
      (await this.send(runner, this.flowSql[name], params)).records;
    return {
      lock: async (name) => {
        const [row] = await run('lock', [name]);
        if (!row) throw new Error(`The queue row of ${name} is missing`); // made before the transaction
        const [{ now }] = await run('now', []);
        return {
          paused: row.paused === true,
          fairCursor: (row.fair_cursor as string | null) ?? null,
          now: now as Date,
        };
      },
      running: async (name) => countsByKey(await run('running', [name]), 'key'),
      keys: async (name, after, count) => {
        const keys: string[] = [];
        for (let last = after; keys.length < count;) {
          const [row] = await run('nextKey', [name, last]);
          if (!row) break;
          keys.push((last = String(row.key)));
        }
        return keys;
      },
      startsSince: async (scopes, since) =>
        countsByKey(await run('startsSince', [JSON.stringify(scopes), sqlServerDatetime2(since)]), 'scope'),
      candidates: async (name, takes) => {
        const rows =
          'any' in takes
            ? await run('candidatesOfAnyKey', [name, takes.any])
            : await run('candidatesOfKeys', [
                name,
                JSON.stringify(takes.map(({ key }) => key)),
                Math.max(...takes.map(({ take }) => take)), // one TOP for all: selectClaims keeps each key's room
              ]);
        return rows.map(toClaimCandidate);
      },
      claim: async (ids, lease) =>
        (await run('claim', [JSON.stringify(ids), lease.leaseOwner, lease.leaseDurationMs])).map((row) =>
          toClaimedTask(row, readers),
        ),
      recordStarts: async (name, scopes, at, before) => {
        await run('recordStarts', [JSON.stringify(scopes), sqlServerDatetime2(at)]);
        await run('pruneStarts', [name, sqlServerDatetime2(before)]);
      },
      saveCursor: async (name, key) => void (await run('saveCursor', [name, key])),
    };
  }

  async adoptUnkeyedTasks(name: string): Promise<number> {
    return (await this.run('adoptUnkeyed', [name], undefined, this.flowSql.adoptUnkeyed)).affected;
  }

  async setPaused(name: string, paused: boolean, by: string | null): Promise<void> {
    const params = [name, paused, paused ? sqlServerDatetime2(new Date()) : null, paused ? by : null];
    try {
      await this.run('setPaused', params, undefined, this.flowSql.setPaused);
    } catch (error) {
      // Two first pauses of one name at once: the other inserted the row, which this one now updates.
      if (!UNIQUE_VIOLATIONS.has(driverErrorNumber(error) ?? 0)) throw error;
      await this.run('setPaused', params, undefined, this.flowSql.setPaused);
    }
  }

  async queueStates(name?: string): Promise<TaskQueueState[]> {
    const { records } = await this.run('queueStates', [name ?? null], undefined, this.flowSql.queueStates);
    return records.map(toTaskQueueState);
  }

  async countsByName(name?: string): Promise<TaskCount[]> {
    const { records } = await this.run('countsByName', [name ?? null], undefined, this.flowSql.countsByName);
    return records.map(toTaskCount);
  }

  async renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]> {
    const { records } = await this.run('renewLeases', [
      JSON.stringify(leaseOwners),
      leaseDurationMs,
      renewWithinMs,
    ]);
    return records.map((row) =>
      toLeaseRenewal({ ...row, cancel_requested: row.cancel_requested_at !== null }),
    );
  }

  async recoverExpiredLeases(): Promise<number> {
    return (await this.run('recoverExpiredLeases', [toJson(LEASE_EXPIRED_ERROR)])).affected;
  }

  async resumeDueTasks(): Promise<number> {
    return (await this.run('resumeDueTasks', [])).affected;
  }

  saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    return this.changedOne('saveProgress', [id, leaseOwner, progress.step, progress.info, progress.percent]);
  }

  async checkpoint(
    id: string,
    leaseOwner: string,
    executionMetadataJson: string,
    progress: TaskProgress,
    manager?: EntityManager,
  ): Promise<boolean> {
    const { step, info, percent } = progress;
    const params = [id, leaseOwner, executionMetadataJson, step, info, percent];
    return (await this.run('checkpoint', params, manager)).affected === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const statements = valuesStatements(runs, {
      alias: 'v',
      columns: ENDING_COLUMNS,
      toRow: endingValues,
      sql: (endings) => this.sql.finish(endings),
      shared: [toJson(CANCELLED_WHILE_RUNNING)],
      maxRows: 100, // well within the parameter limit (149 rows)
    });
    return new Set((await this.runBatch('finish', statements)).map(idOf));
  }

  cancelWaiting(id: string, error: unknown): Promise<boolean> {
    return this.changedOne('cancelWaiting', [id, toJson(error)]);
  }

  requestCancellation(id: string): Promise<boolean> {
    return this.changedOne('requestCancellation', [id]);
  }

  resume(id: string, executionMetadata: unknown): Promise<boolean> {
    return this.changedOne('resume', [
      id,
      executionMetadata === undefined ? null : toJson(executionMetadata),
    ]);
  }

  retry(id: string): Promise<boolean> {
    return this.changedOne('retry', [id]);
  }

  async list(query: TaskListQuery): Promise<BackgroundTaskRecord[]> {
    const { sql, params } = buildListQuery(query, {
      table: `[${this.schema}].[background_tasks]`,
      placeholder: (index) => `@${index}`,
      sqlServer: true,
    });
    const { records } = await this.run('list', params, undefined, sql);
    return records.map((row) => toTaskRecord(row, readers));
  }

  async databaseTime(): Promise<Date> {
    const { records } = await this.run('databaseTime', [], undefined, 'SELECT SYSUTCDATETIME() AS now');
    return records[0].now as Date;
  }

  async deleteFinished(completedBefore: Date, limit: number): Promise<string[]> {
    const { records } = await this.run('deleteFinished', [sqlServerDatetime2(completedBefore), limit]);
    return records.map(idOf);
  }

  async endingsPerMinute(since: Date): Promise<TaskEndings[]> {
    const { records } = await this.run('endingsPerMinute', [sqlServerDatetime2(since)]);
    return records.map(toTaskEndings);
  }

  async oldestDue(now: Date): Promise<OldestDueTask | undefined> {
    const { records } = await this.run('oldestDue', [sqlServerDatetime2(now)]);
    return records[0] ? toOldestDueTask(records[0]) : undefined;
  }

  async activeCounts(): Promise<ActiveTaskCounts> {
    return toActiveCounts((await this.run('activeCounts', [])).records[0]);
  }

  async reportWorker(beat: WorkerHeartbeat): Promise<void> {
    const times = [sqlServerDatetime2(beat.startedAt), sqlServerDatetime2(beat.lastClaimAt)];
    await this.run('reportWorker', [...workerColumnValues(beat), ...times]);
  }

  async forgetWorker(id: string): Promise<void> {
    await this.run('forgetWorker', [id]);
  }

  async workers(): Promise<WorkerRecord[]> {
    return (await this.run('workers', [])).records.map(toWorkerRecord);
  }

  async removeGoneWorkers(): Promise<number> {
    return (await this.run('removeGoneWorkers', [GONE_WORKER_KEPT_LEASES])).affected;
  }

  async findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const { records } = await this.run('findById', [id]);
    return records[0] ? toTaskRecord(records[0], readers) : undefined;
  }

  async findViews(ids: readonly string[]): Promise<TaskViewRecord[]> {
    const { records } = await this.run('findViews', [JSON.stringify(ids)]);
    return records.map((row) => toTaskViewRecord(row, readers));
  }

  /** The pool belongs to TypeORM, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
