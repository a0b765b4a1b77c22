import type { QueryRunner } from 'typeorm';

export type MigrationEngine = 'sqlite' | 'postgres' | 'sqlserver';

/**
 * What a hand-written migration needs to know about where it runs. The migrations are SQL per engine
 * rather than TypeORM's schema builder, because the queue depends on engine features (partial and filtered
 * indexes, jsonb, NOTIFY triggers) that the builder cannot express.
 */
export class MigrationContext {
  readonly engine: MigrationEngine;
  /** Schema name (a validated identifier) on PostgreSQL and SQL Server; undefined on SQLite. */
  readonly schema: string | undefined;

  constructor(private readonly queryRunner: QueryRunner) {
    const options = queryRunner.connection.options;
    if (options.type === 'better-sqlite3') this.engine = 'sqlite';
    else if (options.type === 'postgres') this.engine = 'postgres';
    else if (options.type === 'mssql') this.engine = 'sqlserver';
    else throw new Error(`Unsupported database type ${options.type}`);
    this.schema = 'schema' in options ? options.schema : undefined;
  }

  /** A table name qualified with the schema and quoted for the engine. */
  table(name: string): string {
    if (this.engine === 'sqlite') return `"${name}"`;
    if (this.engine === 'postgres') return `"${this.schema}"."${name}"`;
    return `[${this.schema}].[${name}]`;
  }

  async run(statements: Record<MigrationEngine, string[]>): Promise<void> {
    for (const sql of statements[this.engine]) await this.queryRunner.query(sql);
  }
}
