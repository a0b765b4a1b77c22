import type { DatabaseEngine } from '../../database/database-url.js';
import { placeholderOf, timestampOf } from '../../database/sql-dialect.js';
import { sqlServerIdOrder } from '../../database/sqlserver-id-order.js';
import { BULK_ACTIONS } from '../bulk/bulk-actions.js';
import type { BulkTaskSelection } from '../model/task-records.js';
import { toJson } from './ending-row.js';
import type { BulkWindow } from './task-store.js';

/** What differs between engines in a bulk operation's statements. */
export interface BulkDialect {
  readonly engine: DatabaseEngine;
  readonly table: string;
  /** PostgreSQL only: the statement that announces claimable tasks to LISTENing workers (a retry's). */
  readonly announce?: string;
}

export interface BoundStatement {
  readonly sql: string;
  readonly params: unknown[];
}

/**
 * The statements of a bulk operation (bulk/bulk-operation.task.ts runs them), built per selection like the
 * task list: a name given or not is a different text, never an `(? IS NULL OR name = ?)` that no plan serves
 * well. A batch is two statements: a window of the next rows in creation order after a cursor, which says
 * of each whether it matches, then the action on the matching ids, each row re-checked against the
 * selection under its row lock so that a task a worker or another operation changed in between is left
 * alone. Nothing is held between the two: a batch locks at most its own rows, for one short statement.
 */
export class BulkStatements {
  private readonly params: unknown[] = [];

  private constructor(
    private readonly dialect: BulkDialect,
    private readonly selection: BulkTaskSelection,
  ) {}

  /** How many tasks the selection matches now (the dry run, and an operation's total). */
  static count(dialect: BulkDialect, selection: BulkTaskSelection): BoundStatement {
    const s = new BulkStatements(dialect, selection);
    return s.done(`SELECT COUNT(*) AS count FROM ${dialect.table} WHERE ${s.filter()}`);
  }

  /**
   * The next `size` tasks after `after` (an id; null from the start) in creation order, whatever they are,
   * each with whether the selection matches it. Read through the primary key (SQL Server: the clustered
   * `id_order`) and nothing else: the inner query has no other condition, so no statistics can make its
   * plan anything but that walk, and a whole operation reads the table once. A query for "the next 500
   * matching" would leave the plan to the statistics, which a bulk operation makes wrong by its nature:
   * right after a bulk retry of 100,000 tasks PostgreSQL still believed none was enqueued, and read and
   * sorted every one of them for each batch of the cancel that followed (12.5 s for 100,000 tasks).
   */
  static window(
    dialect: BulkDialect,
    selection: BulkTaskSelection,
    after: string | null,
    size: number,
  ): BoundStatement {
    const s = new BulkStatements(dialect, selection);
    const sqlServer = dialect.engine === 'sqlserver';
    const idOrder = sqlServer ? 'id_order' : 'id';
    // Bound in the order of the text, as SQLite's positional `?` need: the outer select's first.
    const matches = `CASE WHEN ${s.filter()} THEN 1 ELSE 0 END`;
    const columns = `id, ${idOrder === 'id' ? '' : 'id_order, '}status, name, completed_at, created_at`;
    const from =
      after === null ? '' : `WHERE ${idOrder} > ${s.bind(sqlServer ? sqlServerIdOrder(after) : after)}`;
    const inner = sqlServer
      ? `SELECT TOP (${s.bind(size)}) ${columns} FROM ${dialect.table} ${from} ORDER BY ${idOrder}`
      : `SELECT ${columns} FROM ${dialect.table} ${from} ORDER BY ${idOrder} LIMIT ${s.bind(size)}`;
    return s.done(`SELECT id, ${matches} AS matches FROM (${inner}) AS w ORDER BY ${idOrder}`);
  }

  /**
   * The action on those of `ids` that still match, returning the ids it changed. `error` is the error a
   * cancelled task keeps (JSON text).
   */
  static apply(
    dialect: BulkDialect,
    selection: BulkTaskSelection,
    ids: readonly string[],
    error: string,
  ): BoundStatement {
    const s = new BulkStatements(dialect, selection);
    const { engine, table } = dialect;
    // Placeholders are bound in the order they appear in the text (SQLite's `?` are positional): the SET
    // clause first, then the ids, then the selection.
    const at = new Date().toISOString(); // SQLite's clock is this process's: one time for the statement
    const now = () =>
      engine === 'postgres' ? 'now()' : engine === 'sqlserver' ? 'SYSUTCDATETIME()' : s.bind(at);
    const set =
      selection.action === 'delete'
        ? ''
        : selection.action === 'retry'
          ? // As POST /:id/retry: a fresh budget of as many runs as the task had, its attempt history kept.
            `status = 'enqueued', max_attempts = attempts + max_attempts, run_after = ${now()}, completed_at = NULL,
             cancel_requested_at = NULL, result = NULL, updated_at = ${now()}`
          : `status = 'cancelled', error = ${s.bind(error)}${engine === 'postgres' ? '::jsonb' : ''},
             completed_at = ${now()}, updated_at = ${now()}, resume_at = NULL`;
    const output =
      engine === 'sqlserver' ? `OUTPUT ${selection.action === 'delete' ? 'deleted' : 'inserted'}.id` : '';
    const idList =
      engine === 'postgres'
        ? `id = ANY(${s.bind([...ids])}::uuid[])`
        : `id IN (SELECT value FROM ${engine === 'sqlite' ? 'json_each' : 'OPENJSON'}(${s.bind(JSON.stringify(ids))}))`;
    const where = `${idList} AND ${s.filter()}`;
    const returning = engine === 'sqlserver' ? '' : 'RETURNING id';
    if (selection.action === 'delete')
      return s.done(`DELETE FROM ${table} ${output} WHERE ${where} ${returning}`);
    const update = `UPDATE ${table} SET ${set} ${output} WHERE ${where} ${returning}`;
    // A retry makes tasks claimable: announced once per statement, as the single retry is.
    if (engine === 'postgres' && selection.action === 'retry' && dialect.announce) {
      return s.done(`WITH changed AS (${update}) SELECT id, ${dialect.announce} FROM changed`);
    }
    return s.done(update);
  }

  private filter(): string {
    const { action, name, before } = this.selection;
    const { statuses, boundedBy } = BULK_ACTIONS[action];
    const parts = [
      `status IN (${statuses.map((status) => `'${status}'`).join(', ')})`,
      `${boundedBy} <= ${this.bind(timestampOf(this.dialect.engine, before))}`,
    ];
    if (name !== null) parts.push(`name = ${this.bind(name)}`);
    return parts.join(' AND ');
  }

  private bind(value: unknown): string {
    this.params.push(value);
    return placeholderOf(this.dialect.engine, this.params.length - 1);
  }

  private done(sql: string): BoundStatement {
    return { sql, params: this.params };
  }
}

/** Reads a window's rows: `{ id, matches }`, matches 1 or 0 (or true/false). */
export function toBulkWindow(
  rows: readonly { id: unknown; matches: unknown }[],
  readId: (value: unknown) => string = String,
): BulkWindow {
  const ids = rows.map((row) => readId(row.id));
  return {
    matching: ids.filter((_, index) => Number(rows[index].matches) === 1),
    last: ids.length === 0 ? null : ids[ids.length - 1],
  };
}

export type BulkStatementName = 'countBulk' | 'scanBulkWindow' | 'applyBulk';

/**
 * The three bulk methods of a SQL store (TaskStore.countBulk, scanBulkWindow, applyBulk), given how the
 * store sends a statement and reads an id.
 */
export class BulkQueries {
  constructor(
    private readonly dialect: BulkDialect,
    private readonly run: (
      name: BulkStatementName,
      statement: BoundStatement,
    ) => Promise<Record<string, unknown>[]>,
    private readonly readId: (value: unknown) => string = String,
  ) {}

  async count(selection: BulkTaskSelection): Promise<number> {
    const [row] = await this.run('countBulk', BulkStatements.count(this.dialect, selection));
    return Number(row.count);
  }

  async window(selection: BulkTaskSelection, after: string | null, size: number): Promise<BulkWindow> {
    const rows = await this.run(
      'scanBulkWindow',
      BulkStatements.window(this.dialect, selection, after, size),
    );
    return toBulkWindow(rows as { id: unknown; matches: unknown }[], this.readId);
  }

  async apply(selection: BulkTaskSelection, ids: readonly string[], error: unknown): Promise<string[]> {
    if (ids.length === 0) return [];
    const statement = BulkStatements.apply(this.dialect, selection, ids, toJson(error));
    return (await this.run('applyBulk', statement)).map((row) => this.readId(row.id));
  }
}
