import { MssqlParameter } from 'typeorm';

/**
 * Typed parameters for SQL Server. mssql infers a parameter's type from its JavaScript value, and two of its
 * guesses are wrong for this schema:
 * - a Date goes as `datetime`, which rounds to 1/300 s, so a keyset cursor compared with a `datetime2(3)`
 *   column lands a little before or after the row it came from (rows repeat or vanish between pages);
 * - a number that happens to be whole goes as `int`, or as `bigint` beyond 2^31, and tedious refuses a
 *   bigint it cannot hold exactly (the sort key -1e308 of items without a value), so the next page fails.
 */
export const sqlServerDatetime2 = (value: Date | null): MssqlParameter =>
  new MssqlParameter(value, 'datetime2', 3);

export const sqlServerFloat = (value: number): MssqlParameter => new MssqlParameter(value, 'float');
