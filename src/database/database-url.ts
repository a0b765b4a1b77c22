import { ConfigurationError } from '../config/validate-variables.js';

export type DatabaseEngine = 'sqlite' | 'postgres' | 'sqlserver';

export type DatabaseTarget =
  | { engine: 'sqlite'; file: string }
  | { engine: 'postgres'; url: string }
  | {
      engine: 'sqlserver';
      host: string;
      port: number;
      username: string;
      password: string;
      database: string;
      encrypt: boolean;
      trustServerCertificate: boolean;
    };

/**
 * Reads DATABASE_URL:
 * - `sqlite:./data/app.db`, `sqlite:/abs/file.db` or `sqlite:///abs/file.db` (a file: the queue opens a
 *   second connection to it, which an in-memory database cannot share);
 * - `postgres://user:pass@host:5432/db` (also `postgresql://`);
 * - `mssql://user:pass@host:1433/db?encrypt=false&trustServerCertificate=true` (also `sqlserver://`).
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (file === '' || file === ':memory:') {
      throw new ConfigurationError('DATABASE_URL must name a SQLite file, e.g. sqlite:./data/app.db');
    }
    return { engine: 'sqlite', file };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { engine: 'postgres', url };
  }
  if (url.startsWith('mssql://') || url.startsWith('sqlserver://')) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigurationError('DATABASE_URL is not a valid mssql:// URL');
    }
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
    if (!parsed.hostname || !database) {
      throw new ConfigurationError(
        'DATABASE_URL for SQL Server needs a host and a database: mssql://user:pass@host:1433/db',
      );
    }
    const flag = (name: string, fallback: boolean) => {
      const value = parsed.searchParams.get(name);
      return value === null ? fallback : value === 'true';
    };
    return {
      engine: 'sqlserver',
      host: parsed.hostname,
      port: parsed.port ? Number(parsed.port) : 1433,
      username: decodeURIComponent(parsed.username),
      password: decodeURIComponent(parsed.password),
      database,
      encrypt: flag('encrypt', true),
      trustServerCertificate: flag('trustServerCertificate', false),
    };
  }
  throw new ConfigurationError(
    'DATABASE_URL must start with sqlite:, postgres://, postgresql://, mssql:// or sqlserver://',
  );
}
