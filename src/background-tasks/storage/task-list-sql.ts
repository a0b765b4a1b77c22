import { ALL_COLUMNS } from './task-row-mapper.js';
import type { TaskListQuery } from './task-records.js';

/** What differs between engines in the list query. */
export interface ListDialect {
  readonly table: string;
  /** The placeholder of the n-th parameter (0-based). */
  placeholder(index: number): string;
  /** How the engine binds a timestamp. */
  date(value: Date): unknown;
  /** SQL Server has TOP instead of LIMIT and no row-value comparison. */
  readonly sqlServer: boolean;
}

/**
 * The task list, newest first, with keyset paging: a page after the given task reads only the rows it
 * returns, however deep the page.
 *
 * PostgreSQL and SQLite page by id alone: ids are UUIDv7, time-ordered, so the primary key (or the
 * per-creator (created_by, id) index) serves the order, and no index of creation times has to be written
 * with every change of a task (migration 1764850100000). SQL Server compares uniqueidentifiers from their
 * last bytes, so it pages by (created_at, id), its clustered index.
 */
export function buildListQuery(
  query: TaskListQuery,
  dialect: ListDialect,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return dialect.placeholder(params.length - 1);
  };
  const where: string[] = [];
  if (query.status) where.push(`status = ${bind(query.status)}`);
  if (query.name) where.push(`name = ${bind(query.name)}`);
  if (query.createdBy) where.push(`created_by = ${bind(query.createdBy)}`);
  if (query.after) {
    if (dialect.sqlServer) {
      const createdAt = dialect.date(query.after.createdAt);
      where.push(
        `(created_at < ${bind(createdAt)} OR (created_at = ${bind(createdAt)} AND id < ${bind(query.after.id)}))`,
      );
    } else {
      where.push(`id < ${bind(query.after.id)}`);
    }
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const order = dialect.sqlServer ? 'ORDER BY created_at DESC, id DESC' : 'ORDER BY id DESC';
  const sql = dialect.sqlServer
    ? `SELECT TOP (${bind(query.limit)}) ${ALL_COLUMNS} FROM ${dialect.table} ${filter} ${order}`
    : `SELECT ${ALL_COLUMNS} FROM ${dialect.table} ${filter} ${order} LIMIT ${bind(query.limit)}`;
  return { sql, params };
}
