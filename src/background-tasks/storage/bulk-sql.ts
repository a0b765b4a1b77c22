import type { DatabaseEngine } from '../../database/database-url.js';
import { sqlServerDatetime2 } from '../../database/sqlserver-parameters.js';
import { sqlServerIdOrder } from '../../database/sqlserver-id-order.js';
import { BULK_ACTIONS } from '../bulk/bulk-actions.js';
import type { BulkTaskSelection } from '../model/task-records.js';

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
 * well. A batch is two statements: the next ids in creation order after a cursor (the primary key, or
 * `id_order` on SQL Server, walked once over the whole operation however many other rows lie between), then
 * the action on those ids, each row re-checked against the selection under its row lock so that a task a
 * worker or another operation changed in between is left alone. Nothing is held between the two: a batch
 * locks at most its own rows, for one short statement.
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

  /** The ids of the next `limit` matching tasks after `after` (an id; null from the start), in creation order. */
  static batch(
    dialect: BulkDialect,
    selection: BulkTaskSelection,
    after: string | null,
    limit: number,
  ): BoundStatement {
    const s = new BulkStatements(dialect, selection);
    const sqlServer = dialect.engine === 'sqlserver';
    const idOrder = sqlServer ? 'id_order' : 'id';
    let where = s.filter();
    if (after !== null) where += ` AND ${idOrder} > ${s.bind(sqlServer ? sqlServerIdOrder(after) : after)}`;
    const top = sqlServer ? `TOP (${s.bind(limit)}) ` : '';
    const tail = sqlServer ? '' : ` LIMIT ${s.bind(limit)}`;
    return s.done(`SELECT ${top}id FROM ${dialect.table} WHERE ${where} ORDER BY ${idOrder}${tail}`);
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
    const now = () =>
      engine === 'postgres'
        ? 'now()'
        : engine === 'sqlserver'
          ? 'SYSUTCDATETIME()'
          : s.bind(new Date().toISOString());
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
      `${boundedBy} <= ${this.bind(this.timestamp(before))}`,
    ];
    if (name !== null) parts.push(`name = ${this.bind(name)}`);
    return parts.join(' AND ');
  }

  private timestamp(value: Date): unknown {
    const { engine } = this.dialect;
    return engine === 'sqlite'
      ? value.toISOString()
      : engine === 'sqlserver'
        ? sqlServerDatetime2(value)
        : value;
  }

  private bind(value: unknown): string {
    this.params.push(value);
    const index = this.params.length - 1;
    const { engine } = this.dialect;
    return engine === 'postgres' ? `$${index + 1}` : engine === 'sqlserver' ? `@${index}` : '?';
  }

  private done(sql: string): BoundStatement {
    return { sql, params: this.params };
  }
}
