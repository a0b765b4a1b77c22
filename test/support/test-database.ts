import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.js';
import { buildDataSourceOptions } from '../../src/database/data-source-options.js';
import { runMigrations } from '../../src/database/migrator.js';

export type EngineName = 'sqlite' | 'postgres' | 'sqlserver';

/**
 * SQLite always; PostgreSQL and SQL Server when TEST_POSTGRES_URL / TEST_MSSQL_URL point at a server.
 * TEST_ENGINES (a comma-separated list, e.g. `sqlserver`) keeps only those: `.ci/run` runs the SQL Server
 * suites on their own, after the rest.
 */
const onlyEngines = process.env.TEST_ENGINES?.split(',').map((name) => name.trim());
export const TEST_ENGINES: EngineName[] = (
  [
    'sqlite',
    ...(process.env.TEST_POSTGRES_URL ? (['postgres'] as const) : []),
    ...(process.env.TEST_MSSQL_URL ? (['sqlserver'] as const) : []),
  ] as EngineName[]
).filter((engine) => !onlyEngines || onlyEngines.includes(engine));

/**
 * TEST_POSTGRES_URL may go through a transaction pooler (`.ci/run` runs the PostgreSQL suites once more
 * through PgBouncer): TEST_POSTGRES_POOLING=transaction then says so, and TEST_POSTGRES_LISTEN_URL is the
 * direct URL for LISTEN/NOTIFY (unset: the app polls).
 */
const POOLER: Record<string, string> = {
  ...(process.env.TEST_POSTGRES_POOLING && { DATABASE_POOLING: process.env.TEST_POSTGRES_POOLING }),
  ...(process.env.TEST_POSTGRES_LISTEN_URL && { DATABASE_LISTEN_URL: process.env.TEST_POSTGRES_LISTEN_URL }),
};

/** A URL straight to PostgreSQL, past any pooler: for a test's own LISTEN. */
export const POSTGRES_DIRECT_URL = process.env.TEST_POSTGRES_LISTEN_URL ?? process.env.TEST_POSTGRES_URL;

/** Which T-SQL server TEST_MSSQL_URL points at: SQL Server itself, or Babelfish for PostgreSQL. */
export const MSSQL_FLAVOR = process.env.TEST_MSSQL_FLAVOR === 'babelfish' ? 'babelfish' : 'sqlserver';

/**
 * A database of its own for one test file: a fresh SQLite file, or a fresh schema on the shared PostgreSQL
 * or SQL Server, migrated to the latest version. Set KEEP_TEST_DATA=1 to keep it for a look afterwards.
 */
export class TestDatabase {
  private helper: DataSource | undefined;

  private constructor(
    readonly engine: EngineName,
    /** DATABASE_URL and SchemaName for an app or a child process using this database. */
    readonly env: Record<string, string>,
    private readonly removeData: () => Promise<void>,
  ) {}

  static async create(engine: EngineName): Promise<TestDatabase> {
    const name = `t_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    // Files (exports, uploads) and the SQLite database live in a directory of the test's own.
    const dir = mkdtempSync(join(tmpdir(), 'bt-test-'));
    const removeDir = () => rmSync(dir, { recursive: true, force: true });
    const common = { DATA_DIR: join(dir, 'data'), SEED_DEMO_ITEMS: '0' };
    mkdirSync(common.DATA_DIR);
    let database: TestDatabase;
    if (engine === 'sqlite') {
      database = new TestDatabase(
        engine,
        { ...common, DATABASE_URL: `sqlite:${join(dir, 'app.db')}` },
        () => {
          removeDir();
          return Promise.resolve();
        },
      );
    } else {
      const url = engine === 'postgres' ? process.env.TEST_POSTGRES_URL! : process.env.TEST_MSSQL_URL!;
      const env = {
        ...common,
        DATABASE_URL: url,
        SchemaName: name,
        ...(engine === 'postgres' ? POOLER : {}),
      };
      database = new TestDatabase(engine, env, async () => {
        await database.dropSchema(name);
        removeDir();
      });
    }
    await runMigrations(database.config().database);
    return database;
  }

  /** The application configuration for this database, with optional overrides of other variables. */
  config(overrides: Record<string, string | undefined> = {}): AppConfig {
    return loadAppConfig({ NODE_ENV: 'test', ...this.env, ...overrides });
  }

  /** A table name qualified with the test schema, for raw SQL in assertions. */
  table(name: string): string {
    const schema = this.env.SchemaName;
    if (this.engine === 'sqlite') return `"${name}"`;
    return this.engine === 'postgres' ? `"${schema}"."${name}"` : `[${schema}].[${name}]`;
  }

  /** Runs SQL written with `?` placeholders on a connection of the test's own (not the app's). */
  async sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
    if (!this.helper) {
      const options = buildDataSourceOptions(this.config().database);
      // A name of its own, so that tests killing the application's connections do not kill this one.
      this.helper = new DataSource(
        options.type === 'postgres' ? { ...options, applicationName: 'test-helper' } : options,
      );
      await this.helper.initialize();
    }
    let index = 0;
    const translated =
      this.engine === 'sqlite'
        ? text
        : text.replace(/\?/g, () => (this.engine === 'postgres' ? `$${++index}` : `@${index++}`));
    const result: unknown = await this.helper.query(translated, params);
    // TypeORM returns [rows, count] for UPDATE/DELETE on PostgreSQL; tests only read rows.
    return (Array.isArray(result) && Array.isArray(result[0]) ? result[0] : result) as T[];
  }

  async count(where = '1 = 1', params: unknown[] = []): Promise<number> {
    const [row] = await this.sql<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${this.table('background_tasks')} WHERE ${where}`,
      params,
    );
    return Number(row.n);
  }

  async dispose(): Promise<void> {
    await this.helper?.destroy();
    this.helper = undefined;
    if (!process.env.KEEP_TEST_DATA) await this.removeData();
  }

  private async dropSchema(schema: string): Promise<void> {
    const admin = new DataSource(buildDataSourceOptions(this.config().database));
    await admin.initialize();
    try {
      if (this.engine === 'postgres') {
        await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } else {
        // Foreign keys first: a table that another references cannot be dropped before it.
        const foreignKeys = await admin.query<{ name: string; tableName: string }[]>(
          `SELECT fk.name, t.name AS tableName FROM sys.foreign_keys fk
           JOIN sys.tables t ON t.object_id = fk.parent_object_id WHERE t.schema_id = SCHEMA_ID(@0)`,
          [schema],
        );
        for (const { name, tableName } of foreignKeys) {
          await admin.query(`ALTER TABLE [${schema}].[${tableName}] DROP CONSTRAINT [${name}]`);
        }
        const tables = await admin.query<{ name: string }[]>(
          `SELECT name FROM sys.tables WHERE schema_id = SCHEMA_ID(@0)`,
          [schema],
        );
        for (const { name } of tables) await admin.query(`DROP TABLE [${schema}].[${name}]`);
        await admin.query(`DROP SCHEMA [${schema}]`);
      }
    } finally {
      await admin.destroy();
    }
  }
}
