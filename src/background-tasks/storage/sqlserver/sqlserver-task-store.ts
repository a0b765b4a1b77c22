import type { DataSource, EntityManager } from 'typeorm';
import { toEndingRow, toJson } from '../ending-row.js';
import type {
  BackgroundTaskRecord,
  ClaimedTask,
  ClaimRequest,
  EnqueueResult,
  FinishedRun,
  LeaseRenewal,
  NewTaskRow,
  TaskProgress,
} from '../task-records.js';
import {
  LEASE_EXPIRED_ERROR,
  parseJsonText,
  toClaimedTask,
  toTaskRecord,
  type ColumnReaders,
} from '../task-row-mapper.js';
import { TaskStore } from '../task-store.js';
import { sqlserverStatements } from './sqlserver-statements.js';

type Row = Record<string, unknown>;

/** mssql returns nvarchar(max) JSON as text and datetime2 as Date (read as UTC: tedious' useUTC default). */
const readers: ColumnReaders = { json: parseJsonText };

/** datetime2 takes ISO 8601 without the zone designator; every time here is UTC. */
const utcDatetime2 = (isoText: string | null) => (isoText === null ? null : isoText.replace(/Z$/, ''));

const UNIQUE_VIOLATIONS = new Set([2601, 2627]);

/**
 * SQL Server, through TypeORM's mssql pool. No server can run on this project's machines: the statements
 * are unit-tested as text, and the integration suites run here when TEST_MSSQL_URL points at a server
 * (`docker compose up -d mssql`).
 */
export class SqlServerTaskStore extends TaskStore {
  readonly engine = 'sqlserver' as const;
  private readonly sql: ReturnType<typeof sqlserverStatements>;

  constructor(
    private readonly dataSource: DataSource,
    schema: string,
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

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    const params = [
      task.id,
      task.name,
      task.priority,
      task.runAfter,
      task.maxAttempts,
      task.createdBy,
      task.idempotencyKey,
      toJson(task.metadata),
      task.executionMetadata === undefined ? null : toJson(task.executionMetadata),
    ];
    try {
      const { records } = await this.run(this.sql.insert, params, manager);
      if (records.length > 0) return { id: task.id, created: true };
    } catch (error) {
      const number = (error as { driverError?: { number?: number } }).driverError?.number;
      if (number === undefined || !UNIQUE_VIOLATIONS.has(number)) throw error;
    }
    const { records } = await this.run(this.sql.idByIdempotencyKey, [task.idempotencyKey], manager);
    return { id: String(records[0].id).toLowerCase(), created: false };
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const { records } = await this.run(this.sql.claim, [
      request.limit,
      JSON.stringify(request.names),
      request.leaseOwner,
      request.leaseDurationMs,
    ]);
    return records.map((row) => toClaimedTask(row, readers));
  }

  async renewLeases(leaseOwners: readonly string[], leaseDurationMs: number): Promise<LeaseRenewal[]> {
    const { records } = await this.run(this.sql.renewLeases, [JSON.stringify(leaseOwners), leaseDurationMs]);
    return records.map((row) => ({
      id: String(row.id).toLowerCase(),
      cancelRequested: Number(row.cancel_requested) === 1,
    }));
  }

  async recoverExpiredLeases(): Promise<number> {
    return (await this.run(this.sql.recoverExpiredLeases, [toJson(LEASE_EXPIRED_ERROR)])).affected;
  }

  async saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    const params = [id, leaseOwner, progress.step, progress.info, progress.percent];
    return (await this.run(this.sql.saveProgress, params)).affected === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const rows = runs.map((run) => {
      const row = toEndingRow(run);
      return { ...row, runAfter: utcDatetime2(row.runAfter) };
    });
    const { records } = await this.run(this.sql.finish, [JSON.stringify(rows)]);
    return new Set(records.map((row) => String(row.id).toLowerCase()));
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
