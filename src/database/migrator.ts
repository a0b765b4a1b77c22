import { DataSource, MigrationExecutor, type Migration } from 'typeorm';
import type { DatabaseConfig } from './database-config.js';
import { buildDataSourceOptions } from './data-source-options.js';
import { SqlDialect } from './sql-dialect.js';

/**
 * Creates the configured schema when it is missing. TypeORM keeps its migrations table in that schema,
 * so the schema has to exist before the first migration can be recorded.
 */
async function ensureSchema(dataSource: DataSource, config: DatabaseConfig): Promise<void> {
  if (config.engine === 'postgres') {
    try {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS "${config.schema}"`);
    } catch (error) {
      // Two processes creating the same schema at once: the loser sees a unique violation; the schema exists.
      if ((error as { driverError?: { code?: string } }).driverError?.code !== '23505') throw error;
    }
  } else if (config.engine === 'sqlserver') {
    await dataSource.query(
      `IF SCHEMA_ID(N'${config.schema}') IS NULL EXEC(N'CREATE SCHEMA [${config.schema}]')`,
    );
  }
}

async function withDataSource<T>(
  config: DatabaseConfig,
  work: (dataSource: DataSource) => Promise<T>,
  { readOnly = false } = {},
): Promise<T> {
  const dataSource = new DataSource(buildDataSourceOptions(config));
  await dataSource.initialize();
  try {
    if (!readOnly) await ensureSchema(dataSource, config);
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

const isSqliteBusy = (error: unknown) =>
  /SQLITE_BUSY/.test(String((error as { code?: string }).code ?? error));

/** Applies every pending migration; returns the names applied. */
export async function runMigrations(config: DatabaseConfig): Promise<string[]> {
  // Several processes may start on one SQLite file at once: the one that loses the write lock retries,
  // then finds nothing left to apply.
  for (let attempt = 1; ; attempt++) {
    try {
      const applied: Migration[] = await withDataSource(config, (ds) =>
        ds.runMigrations({ transaction: 'each' }),
      );
      return applied.map((m) => m.name);
    } catch (error) {
      if (!isSqliteBusy(error) || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** Reverts the most recent migration. */
export async function revertLastMigration(config: DatabaseConfig): Promise<void> {
  await withDataSource(config, (ds) => ds.undoLastMigration({ transaction: 'each' }));
}

/**
 * Names of the migrations not yet applied, found without writing anything: TypeORM's own check creates the
 * schema and its migrations table, which a production start must not do (its database user may not be
 * allowed DDL, and a half-migrated database should be refused, not touched). Server engines only; the
 * embedded SQLite default migrates itself at start.
 */
export async function unappliedMigrations(config: DatabaseConfig): Promise<string[]> {
  return withDataSource(
    config,
    async (dataSource) => {
      const applied = new Set(await appliedMigrationNames(dataSource, config));
      return dataSource.migrations
        .map((migration) => migration.name ?? migration.constructor.name)
        .filter((name) => !applied.has(name));
    },
    { readOnly: true },
  );
}

/** The names in the migrations table, or none when the table (or its schema) does not exist yet. */
async function appliedMigrationNames(dataSource: DataSource, config: DatabaseConfig): Promise<string[]> {
  const dialect = new SqlDialect(config);
  const table = dialect.table('migrations');
  const [{ present }] = await dataSource.query<[{ present: boolean | number }]>(
    config.engine === 'postgres'
      ? `SELECT to_regclass(${dialect.placeholder(0)}) IS NOT NULL AS present`
      : config.engine === 'sqlserver'
        ? `SELECT CASE WHEN OBJECT_ID(${dialect.placeholder(0)}, N'U') IS NULL THEN 0 ELSE 1 END AS present`
        : `SELECT count(*) AS present FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`,
    config.engine === 'sqlite' ? [] : [table],
  );
  if (!present) return [];
  const rows = await dataSource.query<{ name: string }[]>(`SELECT name FROM ${table}`);
  return rows.map((row) => row.name);
}

/** Names of the applied migrations and of those still pending. */
export async function migrationStatus(
  config: DatabaseConfig,
): Promise<{ applied: string[]; pending: string[] }> {
  return withDataSource(config, async (ds) => {
    const executor = new MigrationExecutor(ds);
    const [applied, pending] = await Promise.all([
      executor.getExecutedMigrations(),
      executor.getPendingMigrations(),
    ]);
    // TypeORM lists executed migrations newest first; oldest first reads like the history it is.
    const inOrder = [...applied].sort((a, b) => a.timestamp - b.timestamp);
    return { applied: inOrder.map((m) => m.name), pending: pending.map((m) => m.name) };
  });
}
