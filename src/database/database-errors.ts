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
