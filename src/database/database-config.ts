import type { DatabaseTarget } from './database-url.js';

/**
 * How DATABASE_URL's connections reach PostgreSQL:
 * - `session`: each connection the app opens is a server session of its own for as long as it is open
 *   (PostgreSQL itself, or a pooler in session mode);
 * - `transaction`: a pooler in transaction mode (PgBouncer's `pool_mode = transaction`) hands each
 *   transaction whichever server connection is free, so nothing may outlive a transaction: no named
 *   prepared statements (the next statement may reach a server that never saw them; PgBouncer 1.18 does
 *   not track them) and no LISTEN (its notifications go to whichever client holds that server next).
 */
export type ConnectionPooling = 'session' | 'transaction';

export class DatabaseConfig {
  constructor(
    readonly target: DatabaseTarget,
    /** Schema of every table on PostgreSQL and SQL Server (a checked identifier); undefined on SQLite. */
    readonly schema: string | undefined,
    /** PostgreSQL only; see ConnectionPooling. */
    readonly pooling: ConnectionPooling = 'session',
    /** PostgreSQL only: a direct connection (past the pooler) for LISTEN/NOTIFY. */
    readonly listenUrl?: string,
  ) {}

  get engine(): DatabaseTarget['engine'] {
    return this.target.engine;
  }

  /** Whether statements may be named, so that each server connection parses and plans them once. */
  get namedStatements(): boolean {
    return this.pooling === 'session';
  }

  /**
   * Where the process's one LISTEN/NOTIFY connection goes: DATABASE_LISTEN_URL, else DATABASE_URL unless a
   * transaction pooler stands behind it; undefined when there is none (not PostgreSQL, or a transaction
   * pooler and no direct URL), and then workers and live views poll.
   */
  get notificationUrl(): string | undefined {
    if (this.target.engine !== 'postgres') return undefined;
    return this.listenUrl ?? (this.pooling === 'session' ? this.target.url : undefined);
  }
}
