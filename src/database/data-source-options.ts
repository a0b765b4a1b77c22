import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import type { DatabaseConfig } from './database-config.js';

/** SQLite settings shared by TypeORM's connection and the queue's own connection to the same file. */
export const SQLITE_PRAGMAS = [
  // Readers never block the writer and the writer never blocks readers; several processes can share the file.
  'journal_mode = WAL',
  // In WAL mode NORMAL survives an application crash; only an OS crash or power loss can lose the last
  // commits. FULL would fsync every commit and cap the queue at the disk's sync rate.
  'synchronous = NORMAL',
  'foreign_keys = ON',
];

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/**
 * Makes TypeORM's SQLite transactions start with BEGIN IMMEDIATE, taking the write lock up front.
 * With the default deferred BEGIN, a transaction that reads and then writes fails with SQLITE_BUSY_SNAPSHOT
 * whenever another connection committed in between, which the queue's own connection does all the time.
 * TypeORM always opens transactions with exactly "BEGIN TRANSACTION" and has no option for this.
 */
function useImmediateTransactions(db: SqliteConnection): void {
  const prepare = db.prepare.bind(db);
  db.prepare = (sql: string) => prepare(sql === 'BEGIN TRANSACTION' ? 'BEGIN IMMEDIATE TRANSACTION' : sql);
}

/**
 * TypeORM options for the configured engine. `synchronize` stays off: the schema changes only through
 * migrations, which the same options list.
 */
export function buildDataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  const common = {
    synchronize: false,
    migrations,
    migrationsTransactionMode: 'each' as const,
    logging: false,
  };
  const target = config.target;
  switch (target.engine) {
    case 'sqlite':
      mkdirSync(dirname(target.file), { recursive: true });
      return {
        ...common,
        type: 'better-sqlite3',
        database: target.file,
        // Waits this long for another process's write lock before failing with SQLITE_BUSY.
        timeout: 5_000,
        prepareDatabase: (db: SqliteConnection) => {
          SQLITE_PRAGMAS.forEach((pragma) => db.pragma(pragma));
          useImmediateTransactions(db);
        },
      };
    case 'postgres':
      return {
        ...common,
        type: 'postgres',
        url: target.url,
        schema: config.schema,
        // Names the schema, so that pg_stat_activity tells which application each connection serves.
        applicationName: `app:${config.schema}`,
        extra: { max: 20 },
      };
    case 'sqlserver':
      return {
        ...common,
        type: 'mssql',
        host: target.host,
        port: target.port,
        username: target.username,
        password: target.password,
        database: target.database,
        schema: config.schema,
        options: {
          encrypt: target.encrypt,
          trustServerCertificate: target.trustServerCertificate,
          // Every time in this schema is UTC. TypeORM turns tedious' useUTC off unless it is given, which
          // shifts every stored and read time by the process's offset from UTC.
          useUTC: true,
        },
        // A migration that builds an index on a large table runs longer than mssql's 15 s default.
        requestTimeout: 120_000,
        pool: { max: 20 },
      };
  }
}
