/** Whether an error from TypeORM is a unique-constraint violation, on any of the three engines. */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: unknown; number?: unknown } }).driverError ?? {};
  return (
    driverError.code === '23505' || // PostgreSQL unique_violation
    driverError.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    driverError.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    driverError.number === 2601 || // SQL Server: duplicate key in a unique index
    driverError.number === 2627 // SQL Server: unique or primary key constraint
  );
}

/** SQLite result codes that say a statement's values were refused (not that the database was busy or gone). */
const SQLITE_VALUE_ERRORS = /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/;
/** PostgreSQL SQLSTATE classes: 22 data exception, 23 integrity constraint violation, 54 program limit exceeded. */
const POSTGRES_VALUE_ERRORS = /^(22|23|54)/;
/** SQL Server errors about values: conversions, truncation, NULL into NOT NULL, constraints, JSON text. */
const SQLSERVER_VALUE_ERRORS = new Set([8114, 245, 8152, 2628, 515, 547, 13609, 220, 8115]);

/**
 * Whether a statement failed because of the values it carried: running it again fails again, whereas a
 * lost connection, a deadlock, a timeout or a busy database is worth another try. Also true for the
 * TypeError or RangeError a driver throws while binding a value it cannot send (a lost connection shows
 * up as a plain Error or one with a network code, never as these).
 */
export function isRefusedForItsValues(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const source = error as {
    code?: unknown;
    number?: unknown;
    driverError?: { code?: unknown; number?: unknown };
  };
  const code = source.driverError?.code ?? source.code;
  const number = source.driverError?.number ?? source.number;
  if (typeof code === 'string' && (SQLITE_VALUE_ERRORS.test(code) || POSTGRES_VALUE_ERRORS.test(code))) {
    // A five-character SQLSTATE or a SQLite code: node's own codes (ECONNRESET, …) match neither.
    return code.startsWith('SQLITE_') || code.length === 5;
  }
  return typeof number === 'number' && SQLSERVER_VALUE_ERRORS.has(number);
}
