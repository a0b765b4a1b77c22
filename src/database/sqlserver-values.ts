import { MssqlParameter } from 'typeorm';

/**
 * Batches on SQL Server travel as rows of typed parameters in a table value constructor, `(VALUES (@n, …),
 * …) AS alias(columns)`, not as one JSON document read with OPENJSON. Babelfish's OPENJSON hands a string
 * back with its JSON escapes left in (`say \"hi\"`) and cuts every `WITH` column, `AS JSON` ones included,
 * at 4,000 characters (a 10,000-character search text came back as 4,000, silently); parameters reach both
 * servers as they are. Every parameter is typed, so that a column that is NULL in one row and a number in
 * another has one type on Babelfish too.
 */

/** SQL Server takes at most 2,100 parameters in one request. */
const MAX_PARAMETERS = 2_100;

/** How many rows of `perRow` parameters fit in one statement beside `shared` other parameters. */
function rowsPerStatement(perRow: number, shared: number): number {
  return Math.floor((MAX_PARAMETERS - shared) / perRow);
}

/** Splits `items` into runs of at most `size`. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
  return result;
}

/**
 * The table value constructor of `rows`, its placeholders numbered from `firstIndex` (the statement's
 * other parameters come first), and the parameters in placeholder order.
 */
export function sqlServerValues(
  rows: readonly (readonly MssqlParameter[])[],
  firstIndex: number,
  alias: string,
  columns: readonly string[],
): { sql: string; params: MssqlParameter[] } {
  const params: MssqlParameter[] = [];
  const tuples = rows.map((row) => {
    if (row.length !== columns.length)
      throw new Error(`A row of ${row.length} values for ${columns.length} columns`);
    return `(${row.map((value) => `@${firstIndex + params.push(value) - 1}`).join(', ')})`;
  });
  return { sql: `(VALUES ${tuples.join(', ')}) AS ${alias}(${columns.join(', ')})`, params };
}

/**
 * The statements that write `items` in batches: each statement takes `shared` parameters first (@0, …),
 * then as many rows of `toRow(item)` (in `columns` order) as fit the parameter limit (and at most `maxRows`),
 * and `sql` builds its text around the rows' table value constructor, `(VALUES …) AS alias(columns)`.
 */
export function valuesStatements<T>(
  items: readonly T[],
  batch: {
    readonly alias: string;
    readonly columns: readonly string[];
    readonly toRow: (item: T) => MssqlParameter[];
    readonly sql: (values: string) => string;
    readonly shared?: readonly unknown[];
    readonly maxRows?: number;
  },
): { sql: string; params: unknown[] }[] {
  const shared = batch.shared ?? [];
  const size = Math.min(batch.maxRows ?? Infinity, rowsPerStatement(batch.columns.length, shared.length));
  return chunks(items, size).map((part) => {
    const values = sqlServerValues(part.map(batch.toRow), shared.length, batch.alias, batch.columns);
    return { sql: batch.sql(values.sql), params: [...shared, ...values.params] };
  });
}

/** Typed parameters for the rows of a table value constructor. */
export const typed = {
  id: (value: string) => new MssqlParameter(value, 'uniqueidentifier'),
  text: (value: string | null) => new MssqlParameter(value, 'nvarchar'),
  int: (value: number | null) => new MssqlParameter(value, 'int'),
  bit: (value: boolean) => new MssqlParameter(value, 'bit'),
  datetime2: (value: Date | null) => new MssqlParameter(value, 'datetime2', 3),
};
