import type { DataSource, EntityManager } from 'typeorm';
import { CANCELLED_WHILE_RUNNING, toEndingRow, toJson } from '../ending-row.js';
import { insertParameters } from '../insert-parameters.js';
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
  TaskListQuery,
  TaskProgress,
} from '../task-records.js';
import {
  LEASE_EXPIRED_ERROR,
  parseJsonText,
  toActiveCounts,
  toClaimedTask,
  toLeaseRenewal,
  toTaskRecord,
  type ColumnReaders,
} from '../task-row-mapper.js';
import { TaskStore, type ActiveTaskCounts } from '../task-store.js';
import { sqlServerDatetime2 } from '../../../database/sqlserver-parameters.js';
import { sqlserverStatements } from './sqlserver-statements.js';

type Row = Record<string, unknown>;

/** mssql returns nvarchar(max) JSON as text (and datetime2 as Date, read as UTC: useUTC, data-source-options.ts). */
const readers: ColumnReaders = { json: parseJsonText };

/** datetime2 takes ISO 8601 without the zone designator; every time here is UTC. */
const utcDatetime2 = (isoText: string | null) => (isoText === null ? null : isoText.replace(/Z$/, ''));

/** uniqueidentifier comes back upper-case; ids are lower-case everywhere else. */
const idOf = (row: Row) => String(row.id).toLowerCase();

/** JSON text wrapped in a one-element array, embedded as JSON (see ENDING_RECORD in sqlserver-statements.ts). */
const wrappedJson = (jsonText: string | null) => (jsonText === null ? 'null' : `[${jsonText}]`);

/** The endings of a batch as the JSON array `finish` reads with OPENJSON. */
function endingsDocument(runs: readonly FinishedRun[]): string {
  const rows = runs.map((run) => {
    const { resultJson, errorJson, attemptErrorJson, ...row } = toEndingRow(run);
    const plain = JSON.stringify({
      ...row,
      runAfter: utcDatetime2(row.runAfter),
      resumeAt: utcDatetime2(row.resumeAt),
    });
    // The JSON texts are what encodeTaskJson produced: valid JSON, so they can be spliced in as they are.
    return (
      `${plain.slice(0, -1)},"resultJson":${wrappedJson(resultJson)},"errorJson":${wrappedJson(errorJson)},` +
      `"attemptErrorJson":${wrappedJson(attemptErrorJson)}}`
    );
  });
  return `[${rows.join(',')}]`;
}

const UNIQUE_VIOLATIONS = new Set([2601, 2627]);

/**
 * SQL Server, through TypeORM's mssql pool. No server can run on this project's machines: the statements
 * are unit-tested as text, and the integration suites run here when TEST_MSSQL_URL points at a server
 * (`docker compose up -d mssql-init`).
 */
export class SqlServerTaskStore extends TaskStore {
  readonly engine = 'sqlserver' as const;
  private readonly sql: ReturnType<typeof sqlserverStatements>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly schema: string,
  ) {
    super();
    this.sql = sqlserverStatements(schema);
  }

  /** Runs a statement on the caller's transaction when given one, otherwise on a pooled connection. */
  private async run(
    sql: string,
    params: unknown[],
    manager?: EntityManager,
  ): Promise<{ records: Row[]; affected: number }> {
    const runner = manager?.queryRunner ?? this.dataSource.createQueryRunner();
    try {
      const result = await runner.query(sql, params, true);
      return { records: (result.records ?? []) as Row[], affected: result.affected ?? 0 };
    } finally {
      if (runner !== manager?.queryRunner) await runner.release();
    }
  }

  private async changedOne(sql: string, params: unknown[]): Promise<boolean> {
    return (await this.run(sql, params)).affected === 1;
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    try {
      const params = insertParameters(task);
      params[3] = sqlServerDatetime2(task.runAfter);
      const { records } = await this.run(this.sql.insert, params, manager);
      if (records.length > 0) return { id: task.id, created: true };
    } catch (error) {
      const number = (error as { driverError?: { number?: number } }).driverError?.number;
      if (number === undefined || !UNIQUE_VIOLATIONS.has(number)) throw error;
    }
    const { records } = await this.run(this.sql.idByIdempotencyKey, [task.idempotencyKey], manager);
    return { id: idOf(records[0]), created: false };
  }

  async enqueueMany(batch: NewTaskBatch, manager?: EntityManager): Promise<void> {
    const { name, priority, runAfter, maxAttempts, createdBy } = batch;
    const params = [
      // [[id, [metadata]], …]: metadata is JSON text made by toJson, so it can be spliced in as it is.
      `[${batch.ids.map((id, index) => `[${JSON.stringify(id)},${wrappedJson(batch.metadata[index])}]`).join(',')}]`,
      name,
      priority,
      sqlServerDatetime2(runAfter),
      maxAttempts,
      createdBy,
    ];
    await this.run(this.sql.insertMany, params, manager);
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const { limit, names, leaseOwner, leaseDurationMs } = request;
    const { records } = await this.run(this.sql.claim, [
      limit,
      JSON.stringify(names),
      leaseOwner,
      leaseDurationMs,
    ]);
    return records.map((row) => toClaimedTask(row, readers));
  }

  async renewLeases(
    leaseOwners: readonly string[],
    leaseDurationMs: number,
    renewWithinMs: number,
  ): Promise<LeaseRenewal[]> {
    const { records } = await this.run(this.sql.renewLeases, [
      JSON.stringify(leaseOwners),
      leaseDurationMs,
      renewWithinMs,
    ]);
    return records.map((row) =>
      toLeaseRenewal({ ...row, cancel_requested: row.cancel_requested_at !== null }),
    );
  }

  async recoverExpiredLeases(): Promise<number> {
    return (await this.run(this.sql.recoverExpiredLeases, [toJson(LEASE_EXPIRED_ERROR)])).affected;
  }

  async resumeDueTasks(): Promise<number> {
    return (await this.run(this.sql.resumeDueTasks, [])).affected;
  }

  saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    return this.changedOne(this.sql.saveProgress, [
      id,
      leaseOwner,
      progress.step,
      progress.info,
      progress.percent,
    ]);
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
    return (await this.run(this.sql.checkpoint, params, manager)).affected === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const { records } = await this.run(this.sql.finish, [
      endingsDocument(runs),
      toJson(CANCELLED_WHILE_RUNNING),
    ]);
    return new Set(records.map(idOf));
  }

  cancelWaiting(id: string, error: unknown): Promise<boolean> {
    return this.changedOne(this.sql.cancelWaiting, [id, toJson(error)]);
  }

  requestCancellation(id: string): Promise<boolean> {
    return this.changedOne(this.sql.requestCancellation, [id]);
  }

  resume(id: string, executionMetadata: unknown): Promise<boolean> {
    return this.changedOne(this.sql.resume, [
      id,
      executionMetadata === undefined ? null : toJson(executionMetadata),
    ]);
  }

  retry(id: string): Promise<boolean> {
    return this.changedOne(this.sql.retry, [id]);
  }

  async list(query: TaskListQuery): Promise<BackgroundTaskRecord[]> {
    const { sql, params } = buildListQuery(query, {
      table: `[${this.schema}].[background_tasks]`,
      placeholder: (index) => `@${index}`,
      date: sqlServerDatetime2,
      sqlServer: true,
    });
    const { records } = await this.run(sql, params);
    return records.map((row) => toTaskRecord(row, readers));
  }

  async deleteFinished(completedBefore: Date, limit: number): Promise<string[]> {
    const { records } = await this.run(this.sql.deleteFinished, [sqlServerDatetime2(completedBefore), limit]);
    return records.map(idOf);
  }

  async activeCounts(): Promise<ActiveTaskCounts> {
    return toActiveCounts((await this.run(this.sql.activeCounts, [])).records[0]);
  }

  async findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const { records } = await this.run(this.sql.findById, [id]);
    return records[0] ? toTaskRecord(records[0], readers) : undefined;
  }

  /** The pool belongs to TypeORM, which closes it. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
