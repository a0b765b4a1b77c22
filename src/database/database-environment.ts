import { IsOptional, IsString, Matches } from 'class-validator';
import { validateVariables } from '../config/validate-variables.js';
import { DatabaseConfig } from './database-config.js';
import { parseDatabaseUrl } from './database-url.js';

/** An identifier that is safe to splice into SQL as a schema name on PostgreSQL and SQL Server. */
const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** The database's environment variables, with their defaults: all that the migration CLI reads. */
export class DatabaseEnvironmentVariables {
  @IsString()
  @Matches(/^(sqlite:|postgres(ql)?:\/\/|mssql:\/\/|sqlserver:\/\/)/, {
    message: 'DATABASE_URL must start with sqlite:, postgres://, postgresql://, mssql:// or sqlserver://',
  })
  DATABASE_URL = 'sqlite:./data/app.db';

  /** SQL Server / PostgreSQL schema of every table; it is spliced into SQL, hence the strict pattern. */
  @IsOptional()
  @Matches(SQL_IDENTIFIER, {
    message: 'SchemaName must be a SQL identifier: a letter or _, then letters, digits or _',
  })
  SchemaName?: string = undefined;
}

/** The database configuration from validated variables. */
export function toDatabaseConfig(vars: DatabaseEnvironmentVariables): DatabaseConfig {
  const target = parseDatabaseUrl(vars.DATABASE_URL);
  const defaultSchema = { sqlite: undefined, postgres: 'public', sqlserver: 'dbo' }[target.engine];
  return new DatabaseConfig(
    target,
    target.engine === 'sqlite' ? undefined : (vars.SchemaName ?? defaultSchema),
  );
}

/**
 * The database configuration alone, from the raw environment: what `npm run migration:run` needs, without
 * the variables the rest of the application demands (ADMIN_TOKENS in production, …).
 */
export function loadDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig {
  return toDatabaseConfig(validateVariables(DatabaseEnvironmentVariables, env));
}
