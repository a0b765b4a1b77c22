import type { DatabaseTarget } from './database-url.js';

export class DatabaseConfig {
  constructor(
    readonly target: DatabaseTarget,
    /** Schema of every table on PostgreSQL and SQL Server (a checked identifier); undefined on SQLite. */
    readonly schema: string | undefined,
  ) {}

  get engine(): DatabaseTarget['engine'] {
    return this.target.engine;
  }
}
