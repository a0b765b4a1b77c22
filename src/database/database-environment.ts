import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ConfigurationError, validateVariables } from '../config/validate-variables.js';
import { DatabaseConfig, type ConnectionPooling } from './database-config.js';
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

  /** `transaction` behind a transaction pooler such as PgBouncer (see ConnectionPooling). */
  @IsIn(['session', 'transaction'], { message: 'DATABASE_POOLING must be session or transaction' })
  DATABASE_POOLING: ConnectionPooling = 'session';

  /** A direct PostgreSQL URL for LISTEN/NOTIFY when DATABASE_URL goes through a transaction pooler. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, {
    message: 'DATABASE_LISTEN_URL must start with postgres:// or postgresql://',
  })
  DATABASE_LISTEN_URL?: string = undefined;
}

/** The database configuration from validated variables. */
export function toDatabaseConfig(vars: DatabaseEnvironmentVariables): DatabaseConfig {
  const target = parseDatabaseUrl(vars.DATABASE_URL);
  const defaultSchema = { sqlite: undefined, postgres: 'public', sqlserver: 'dbo' }[target.engine];
  if (target.engine !== 'postgres' && (vars.DATABASE_POOLING !== 'session' || vars.DATABASE_LISTEN_URL)) {
    throw new ConfigurationError('DATABASE_POOLING and DATABASE_LISTEN_URL apply to PostgreSQL only');
  }
  return new DatabaseConfig(
    target,
    target.engine === 'sqlite' ? undefined : (vars.SchemaName ?? defaultSchema),
    vars.DATABASE_POOLING,
    vars.DATABASE_LISTEN_URL,
  );
}

/**
 * The database configuration alone, from the raw environment: what `npm run migration:run` needs, without
 * the variables the rest of the application demands (ADMIN_TOKENS in production, …).
 */
export function loadDatabaseConfig(env: Record<string, string | undefined>): DatabaseConfig {
  return toDatabaseConfig(validateVariables(DatabaseEnvironmentVariables, env));
}
