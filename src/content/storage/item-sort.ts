import type { SqlDialect } from '../../database/sql-dialect.js';
import { InvalidItemQueryError } from '../content.errors.js';
import { DEVELOPER_NAME, fieldOf, type ContentType, type FieldDefinition } from '../model/content-type.js';

/** What a list or an export is ordered by: a timestamp column, or one field of the content type. */
export type ItemSort = { readonly column: 'created_at' | 'updated_at' } | { readonly field: FieldDefinition };

/** Sorts first, in place of a missing number. */
const LOWEST_NUMBER = '-1e308';

/**
 * The SQL expression an item list is ordered and paged by. It is never NULL: a keyset comparison with a
 * NULL is never true, so missing values take the lowest value of their kind (empty text, -1e308, -1 for a
 * boolean) and sort first. The page query selects it as `sort_key`, and the cursor carries that value back
 * unchanged, so the comparison that finds the next page is exactly the ORDER BY's.
 */
export function sortExpression(dialect: SqlDialect, sort: ItemSort): string {
  if ('column' in sort) return sort.column;
  const field = sort.field;
  if (!DEVELOPER_NAME.test(field.developerName)) throw new Error(`Not a field name: ${field.developerName}`);
  const name = field.developerName;
  const engine = dialect.engine;
  const text =
    engine === 'postgres'
      ? `field_values ->> '${name}'`
      : engine === 'sqlserver'
        ? `JSON_VALUE(field_values, '$.${name}')`
        : `json_extract(field_values, '$.${name}')`;
  switch (field.type) {
    case 'number':
      if (engine === 'postgres') return `COALESCE((${text})::double precision, ${LOWEST_NUMBER})`;
      // NULLIF: Babelfish's JSON_VALUE gives the text 'null' for a JSON null, where SQL Server gives NULL
      // (a number field never holds the string "null", so this changes nothing on SQL Server).
      if (engine === 'sqlserver') return `COALESCE(CAST(NULLIF(${text}, 'null') AS float), ${LOWEST_NUMBER})`;
      return `COALESCE(${text}, ${LOWEST_NUMBER})`;
    case 'boolean':
      // SQLite's json_extract gives 1 and 0 for true and false already.
      return engine === 'sqlite'
        ? `COALESCE(${text}, -1)`
        : `COALESCE(CASE ${text} WHEN 'true' THEN 1 WHEN 'false' THEN 0 END, -1)`;
    case 'long_text':
      throw new Error('Items cannot be ordered by a long text field');
    default:
      return `COALESCE(${text}, '')`;
  }
}

/** Binds a sort key read back from a `sort_key` column. */
export function bindSortKey(dialect: SqlDialect, sort: ItemSort, key: string | number): unknown {
  if ('column' in sort) return dialect.timestamp(new Date(key));
  return sort.field.type === 'number' ? dialect.float(Number(key)) : key;
}

/** The orders an item list or export accepts: the two timestamps, or a field that is not long text. */
export function itemSortFor(type: ContentType, orderBy = 'createdAt'): ItemSort {
  if (orderBy === 'createdAt') return { column: 'created_at' };
  if (orderBy === 'updatedAt') return { column: 'updated_at' };
  const field = fieldOf(type, orderBy);
  if (!field || field.type === 'long_text') {
    const sortable = type.fields.filter((f) => f.type !== 'long_text').map((f) => f.developerName);
    throw new InvalidItemQueryError(
      `orderBy must be createdAt, updatedAt or one of the fields of ${type.developerName}: ${sortable.join(', ')}`,
    );
  }
  return { field };
}
