/** Readers of column values as the three drivers return them, shared by every module's row mappers. */

/** pg and mssql return Date objects; SQLite stores ISO 8601 text. */
export function readDate(value: unknown): Date | null {
  if (value instanceof Date) return value;
  return typeof value === 'string' || typeof value === 'number' ? new Date(value) : null;
}

/** JSON columns: parsed already (jsonb on PostgreSQL) or text (SQLite, SQL Server). */
export function readJson(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** uniqueidentifier comes back upper-case from SQL Server; ids are lower-case everywhere else. */
export const readId = (value: unknown) => String(value).toLowerCase();
