import { ALL_COLUMNS } from './task-row-mapper.js';
import type { TaskListQuery } from '../model/task-records.js';
import { sqlServerIdOrder } from '../../database/sqlserver-id-order.js';

/** What differs between engines in the list query. */
export interface ListDialect {
  readonly table: string;
  /** The placeholder of the n-th parameter (0-based). */
  placeholder(index: number): string;
  /** SQL Server has TOP instead of LIMIT, and orders ids by `id_order`. */
  readonly sqlServer: boolean;
}

/**
 * The task list, newest first, with keyset paging: a page after the given task reads only the rows it
 * returns, however deep the page.
 *
 * Every engine pages by id alone: ids are UUIDv7, made in time order, so the primary key (or the
 * per-creator (created_by, id) index) serves the order, and no index of creation times has to be written
 * with every change of a task (migration 1764850100000). SQL Server compares uniqueidentifiers from their
 * last bytes, so there the order is `id_order`, the id as text, its clustered index (migration 1765200000000).
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
  const idOrder = dialect.sqlServer ? 'id_order' : 'id';
  const where: string[] = [];
  if (query.status) where.push(`status = ${bind(query.status)}`);
  if (query.name) where.push(`name = ${bind(query.name)}`);
  if (query.createdBy) where.push(`created_by = ${bind(query.createdBy)}`);
  if (query.after) {
    const afterId = dialect.sqlServer ? sqlServerIdOrder(query.after.id) : query.after.id;
    where.push(`${idOrder} < ${bind(afterId)}`);
  }
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const order = `ORDER BY ${idOrder} DESC`;
  const sql = dialect.sqlServer
    ? `SELECT TOP (${bind(query.limit)}) ${ALL_COLUMNS} FROM ${dialect.table} ${filter} ${order}`
    : `SELECT ${ALL_COLUMNS} FROM ${dialect.table} ${filter} ${order} LIMIT ${bind(query.limit)}`;
  return { sql, params };
}
