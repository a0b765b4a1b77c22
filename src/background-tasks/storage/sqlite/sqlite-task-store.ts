import Database from 'better-sqlite3';
import type { EntityManager } from 'typeorm';
import { SQLITE_PRAGMAS } from '../../../database/data-source-options.js';
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
import { retryWhileBusy } from './sqlite-busy-retry.js';
import { sqliteStatements } from './sqlite-statements.js';

const readers: ColumnReaders = { json: parseJsonText };

/** Timestamps are ISO 8601 UTC text with milliseconds: they sort as text in the same order as in time. */
const iso = (ms: number) => new Date(ms).toISOString();

type Row = Record<string, unknown>;

/**
 * SQLite: one writer at a time for the whole file, so every statement below is atomic by construction.
 *
 * The store opens its own connection to the file instead of sharing TypeORM's. TypeORM's better-sqlite3
 * driver runs every query runner on one connection, so a queue write made while a request's transaction
 * is open would silently join that transaction and vanish with its rollback. On its own connection each
 * statement commits by itself; better-sqlite3 runs it synchronously, so it never holds the write lock
 * across an `await` and never makes TypeORM's connection wait.
 */
export class SqliteTaskStore extends TaskStore {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;

  private readonly statements: {
    insert: Database.Statement;
    idByKey: Database.Statement;
    claim: Database.Statement;
    renew: Database.Statement;
    recover: Database.Statement;
    progress: Database.Statement;
    finish: Database.Statement;
    byId: Database.Statement;
  };
  private readonly finishAll: (rows: Row[]) => string[];

  constructor(file: string) {
    super();
    // Setting the pragmas may have to wait for another process's lock; after that, waits happen in
    // retryWhileBusy, off the event loop.
    this.db = new Database(file, { timeout: 5_000 });
    SQLITE_PRAGMAS.forEach((pragma) => this.db.pragma(pragma));
    this.db.pragma('busy_timeout = 0');
    const sql = sqliteStatements();
    const prepare = (text: string) => this.db.prepare(text);
    this.statements = {
      insert: prepare(sql.insert),
      idByKey: prepare(sql.idByIdempotencyKey),
      claim: prepare(sql.claim),
      renew: prepare(sql.renewLeases),
      recover: prepare(sql.recoverExpiredLeases),
      progress: prepare(sql.saveProgress),
      finish: prepare(sql.finish),
      byId: prepare(sql.findById),
    };
    // One IMMEDIATE transaction for a batch of endings: one commit instead of one per task.
    const finishInTransaction = this.db.transaction((rows: Row[]) =>
      rows.filter((row) => this.statements.finish.run(row).changes === 1).map((row) => String(row.id)),
    );
    this.finishAll = (rows) => finishInTransaction.immediate(rows);
  }

  async enqueue(task: NewTaskRow, manager?: EntityManager): Promise<EnqueueResult> {
    const now = iso(Date.now());
    const params = [
      task.id,
      task.name,
      task.priority,
      task.runAfter ? task.runAfter.toISOString() : now,
      task.maxAttempts,
      task.createdBy,
      task.idempotencyKey,
      toJson(task.metadata),
      task.executionMetadata === undefined ? null : toJson(task.executionMetadata),
      now,
      now,
    ];
    if (manager) {
      // Inside the caller's transaction, on TypeORM's connection.
      const inserted = await manager.query<Row[]>(sqliteStatements().insert, params);
      if (inserted.length > 0) return { id: task.id, created: true };
      const existing = await manager.query<Row[]>(sqliteStatements().idByIdempotencyKey, [
        task.idempotencyKey,
      ]);
      return { id: String(existing[0].id), created: false };
    }
    const inserted = await retryWhileBusy(() => this.statements.insert.all(...params) as Row[]);
    if (inserted.length > 0) return { id: task.id, created: true };
    const existing = this.statements.idByKey.get(task.idempotencyKey) as Row;
    return { id: String(existing.id), created: false };
  }

  async claim(request: ClaimRequest): Promise<ClaimedTask[]> {
    const now = Date.now();
    const rows = await retryWhileBusy(
      () =>
        this.statements.claim.all({
          owner: request.leaseOwner,
          expires: iso(now + request.leaseDurationMs),
          now: iso(now),
          names: JSON.stringify(request.names),
          limit: request.limit,
        }) as Row[],
    );
    return rows.map((row) => toClaimedTask(row, readers));
  }

  async renewLeases(leaseOwners: readonly string[], leaseDurationMs: number): Promise<LeaseRenewal[]> {
    const rows = await retryWhileBusy(
      () =>
        this.statements.renew.all({
          expires: iso(Date.now() + leaseDurationMs),
          owners: JSON.stringify(leaseOwners),
        }) as Row[],
    );
    return rows.map((row) => ({ id: String(row.id), cancelRequested: Boolean(row.cancel_requested) }));
  }

  async recoverExpiredLeases(): Promise<number> {
    const result = await retryWhileBusy(() =>
      this.statements.recover.run({ now: iso(Date.now()), error: toJson(LEASE_EXPIRED_ERROR) }),
    );
    return result.changes;
  }

  async saveProgress(id: string, leaseOwner: string, progress: TaskProgress): Promise<boolean> {
    const result = await retryWhileBusy(() =>
      this.statements.progress.run(
        progress.step,
        progress.info,
        progress.percent,
        iso(Date.now()),
        id,
        leaseOwner,
      ),
    );
    return result.changes === 1;
  }

  async finish(runs: readonly FinishedRun[]): Promise<Set<string>> {
    if (runs.length === 0) return new Set();
    const now = iso(Date.now());
    const rows = runs.map((run) => {
      const row = toEndingRow(run);
      return { ...row, keepError: row.keepError ? 1 : 0, final: row.final ? 1 : 0, now };
    });
    return new Set(await retryWhileBusy(() => this.finishAll(rows)));
  }

  findById(id: string): Promise<BackgroundTaskRecord | undefined> {
    const row = this.statements.byId.get(id) as Row | undefined;
    return Promise.resolve(row ? toTaskRecord(row, readers) : undefined);
  }

  close(): Promise<void> {
    this.db.close();
    return Promise.resolve();
  }
}
