import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { containsPattern, SqlDialect } from '../../database/sql-dialect.js';
import { SqlRunner } from '../../database/sql-runner.js';
import { sqlServerIdOrderOf } from '../../database/sqlserver-id-order.js';
import { typed, valuesStatements } from '../../database/sqlserver-values.js';
import type { ContentItem, FieldValues } from '../model/content-item.js';
import { readId } from '../../database/row-readers.js';
import { toContentItem } from './content-rows.js';
import { bindSortKey, sortExpression, type ItemSort } from './item-sort.js';

const COLUMNS = 'id, content_type_id, field_values, created_at, updated_at';

/** An item to write, with the search text derived from its values. */
export interface ItemRow {
  readonly id: string;
  readonly contentTypeId: string;
  readonly values: FieldValues;
  readonly searchText: string;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface ItemPageQuery {
  readonly contentTypeId: string;
  /** Lower-case text the item's text fields must contain. */
  readonly search?: string;
  readonly sort: ItemSort;
  readonly direction: 'asc' | 'desc';
  /** The sort key and id of the last item of the previous page. */
  readonly after?: { readonly key: string | number; readonly id: string };
  readonly limit: number;
}

export interface ItemPageRow {
  readonly item: ContentItem;
  /** The value of the sort expression for this item, for the next page's cursor. */
  readonly sortKey: string | number;
}

/**
 * Content items, in hand-written SQL per engine where it matters: keyset pages ordered by a column or a
 * field's JSON value, and batch writes that carry a whole batch in one JSON parameter (one statement per
 * batch, the same statement text for any batch size).
 */
@Injectable()
export class ContentItemRepository {
  constructor(
    private readonly sql: SqlRunner,
    private readonly dialect: SqlDialect,
  ) {}

  private get table(): string {
    return this.dialect.table('content_items');
  }

  private p(index: number): string {
    return this.dialect.placeholder(index);
  }

  /**
   * Refreshes the planner's statistics of the items table, after a bulk write (an import, the seeder).
   * With statistics from before the write, PostgreSQL believes few items match and reads every remaining
   * item and sorts them for each keyset page (30 ms a page at 100,000 items, growing with the type) instead
   * of walking the (content_type_id, created_at, id) index. SQLite plans these pages from the index without
   * statistics, and SQL Server refreshes stale statistics by itself when it compiles the query.
   */
  async refreshStatistics(): Promise<void> {
    if (this.dialect.engine === 'postgres') await this.sql.run(`ANALYZE ${this.table}`, []);
  }

  async insert(row: ItemRow, manager: EntityManager): Promise<void> {
    await this.insertMany([row], manager);
  }

  async update(row: Omit<ItemRow, 'createdAt' | 'contentTypeId'>, manager: EntityManager): Promise<boolean> {
    const { affected } = await this.sql.run(
      `UPDATE ${this.table} SET field_values = ${this.p(0)}, search_text = ${this.p(1)}, updated_at = ${this.p(2)}
       WHERE id = ${this.p(3)}`,
      [JSON.stringify(row.values), row.searchText, this.dialect.timestamp(row.updatedAt), row.id],
      manager,
    );
    return affected === 1;
  }

  async delete(id: string, manager: EntityManager): Promise<boolean> {
    const { affected } = await this.sql.run(
      `DELETE FROM ${this.table} WHERE id = ${this.p(0)}`,
      [id],
      manager,
    );
    return affected === 1;
  }

  async findById(id: string): Promise<ContentItem | undefined> {
    const rows = await this.sql.rows(`SELECT ${COLUMNS} FROM ${this.table} WHERE id = ${this.p(0)}`, [id]);
    return rows[0] ? toContentItem(rows[0]) : undefined;
  }

  async count(contentTypeId: string, search?: string): Promise<number> {
    const params: unknown[] = [contentTypeId];
    let where = `content_type_id = ${this.p(0)}`;
    if (search) {
      params.push(containsPattern(search));
      where += ` AND ${this.dialect.like('search_text', this.p(1))}`;
    }
    const [row] = await this.sql.rows<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${this.table} WHERE ${where}`,
      params,
    );
    return Number(row.n);
  }

  /**
   * One page in (sort key, id) order. The default order (created_at, id) is an index range scan from the
   * cursor on, however deep the page; a field order sorts by the field's JSON value.
   */
  async page(query: ItemPageQuery): Promise<ItemPageRow[]> {
    const params: unknown[] = [];
    const bind = (value: unknown) => {
      params.push(value);
      return this.p(params.length - 1);
    };
    const key = sortExpression(this.dialect, query.sort);
    const where = [`content_type_id = ${bind(query.contentTypeId)}`];
    if (query.search) where.push(this.dialect.like('search_text', bind(containsPattern(query.search))));
    if (query.after) {
      const afterKey = bind(bindSortKey(this.dialect, query.sort, query.after.key));
      const afterId = bind(this.dialect.idOrderValue(query.after.id));
      where.push(this.dialect.after(key, this.dialect.idOrder, afterKey, afterId, query.direction));
    }
    const direction = query.direction.toUpperCase();
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS}, ${key} AS sort_key FROM ${this.table} WHERE ${where.join(' AND ')}
       ORDER BY ${key} ${direction}, ${this.dialect.idOrder} ${direction} ${this.dialect.limit(bind(query.limit))}`,
      params,
    );
    return rows.map((row) => ({ item: toContentItem(row), sortKey: readSortKey(row.sort_key) }));
  }

  /** The items among these ids that exist, whatever their content type, read in the caller's transaction. */
  async findMany(ids: readonly string[], manager: EntityManager): Promise<Map<string, ContentItem>> {
    if (ids.length === 0) return new Map();
    const rows = await this.sql.rows(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE ${this.dialect.inJsonList('id', this.p(0), 'uuid')}`,
      [JSON.stringify(ids)],
      manager,
    );
    return new Map(rows.map((row) => [readId(row.id), toContentItem(row)]));
  }

  /** Inserts a batch in one statement (on SQL Server, one per as many rows as its parameter limit takes). */
  async insertMany(rows: readonly ItemRow[], manager: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    if (this.dialect.engine !== 'sqlserver') {
      await this.sql.run(this.insertManySql(), [this.batchDocument(rows)], manager);
      return;
    }
    const statements = valuesStatements(rows, {
      alias: 'x',
      columns: ['id', 'contentTypeId', 'fieldValues', 'searchText', 'createdAt', 'updatedAt'],
      toRow: (row) => [
        typed.id(row.id),
        typed.id(row.contentTypeId),
        typed.text(JSON.stringify(row.values)),
        typed.text(row.searchText),
        typed.datetime2(row.createdAt),
        typed.datetime2(row.updatedAt),
      ],
      // id_order: the creation order of ids (migration 1765200000000).
      sql: (values) =>
        `INSERT INTO ${this.table} (id, id_order, content_type_id, field_values, search_text, created_at, updated_at)
         SELECT x.id, ${sqlServerIdOrderOf('x.id')}, x.contentTypeId, x.fieldValues, x.searchText, x.createdAt,
           x.updatedAt
         FROM ${values}`,
    });
    for (const { sql, params } of statements) await this.sql.run(sql, params, manager);
  }

  /** Updates the values of a batch of existing items in one statement (on SQL Server, as insertMany). */
  async updateMany(rows: readonly ItemRow[], manager: EntityManager): Promise<void> {
    if (rows.length === 0) return;
    if (this.dialect.engine !== 'sqlserver') {
      await this.sql.run(this.updateManySql(), [this.batchDocument(rows)], manager);
      return;
    }
    const statements = valuesStatements(rows, {
      alias: 'x',
      columns: ['id', 'fieldValues', 'searchText', 'updatedAt'],
      toRow: (row) => [
        typed.id(row.id),
        typed.text(JSON.stringify(row.values)),
        typed.text(row.searchText),
        typed.datetime2(row.updatedAt),
      ],
      sql: (values) =>
        `UPDATE t SET field_values = x.fieldValues, search_text = x.searchText, updated_at = x.updatedAt
         FROM ${this.table} AS t JOIN ${values} ON t.id = x.id`,
    });
    for (const { sql, params } of statements) await this.sql.run(sql, params, manager);
  }

  /**
   * The batch as the JSON document the batch statements of PostgreSQL and SQLite read. SQL Server takes
   * rows of parameters instead (database/sqlserver-values.ts: Babelfish's OPENJSON keeps escapes and cuts
   * long values).
   */
  private batchDocument(rows: readonly ItemRow[]): string {
    return JSON.stringify(
      rows.map((row) => ({
        id: row.id,
        contentTypeId: row.contentTypeId,
        fieldValues: row.values,
        searchText: row.searchText,
        createdAt: row.createdAt.toISOString(),
        updatedAt: row.updatedAt.toISOString(),
      })),
    );
  }

  private insertManySql(): string {
    const into = `INSERT INTO ${this.table} (id, content_type_id, field_values, search_text, created_at, updated_at)`;
    if (this.dialect.engine === 'postgres') {
      return `${into}
          SELECT x.id, x."contentTypeId", x."fieldValues", x."searchText", x."createdAt", x."updatedAt"
          FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "contentTypeId" uuid, "fieldValues" jsonb,
            "searchText" text, "createdAt" timestamptz, "updatedAt" timestamptz)`;
    }
    return `${into}
          SELECT json_extract(value, '$.id'), json_extract(value, '$.contentTypeId'),
            json_extract(value, '$.fieldValues'), json_extract(value, '$.searchText'),
            json_extract(value, '$.createdAt'), json_extract(value, '$.updatedAt')
          FROM json_each(?)`;
  }

  private updateManySql(): string {
    if (this.dialect.engine === 'postgres') {
      return `UPDATE ${this.table} AS t
          SET field_values = x."fieldValues", search_text = x."searchText", updated_at = x."updatedAt"
          FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, "fieldValues" jsonb, "searchText" text, "updatedAt" timestamptz)
          WHERE t.id = x.id`;
    }
    return `UPDATE ${this.table}
          SET field_values = x.field_values, search_text = x.search_text, updated_at = x.updated_at
          FROM (SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.fieldValues') AS field_values,
                       json_extract(value, '$.searchText') AS search_text, json_extract(value, '$.updatedAt') AS updated_at
                FROM json_each(?)) AS x
          WHERE ${this.table}.id = x.id`;
  }
}

function readSortKey(value: unknown): string | number {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'number' ? value : String(value);
}
