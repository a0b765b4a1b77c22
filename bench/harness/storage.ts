import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import type { QueueSettings } from './queue-under-test.js';

export type BenchEngine = 'postgres' | 'sqlite';

/** The PostgreSQL every figure is measured on: BENCH_POSTGRES_URL, else the local test database. */
export const BENCH_POSTGRES_URL =
  process.env.BENCH_POSTGRES_URL ??
  process.env.TEST_POSTGRES_URL ??
  'postgres://postgres@127.0.0.1:5432/test';

/** The bench/ folder, whether this runs from TypeScript or compiled to bench/.work/build/bench/harness. */
export const BENCH_DIR = import.meta.url.endsWith('.js')
  ? join(import.meta.dirname, '..', '..', '..', '..')
  : join(import.meta.dirname, '..');

/** Scratch space for SQLite files, exports, raw results and profiles (git-ignored). */
export const BENCH_WORK_DIR = join(BENCH_DIR, '.work');

export interface FreshStorage {
  readonly settings: QueueSettings;
  drop(): Promise<void>;
}

/** An empty schema on PostgreSQL, or an empty SQLite file, for one scenario. */
export async function freshStorage(engine: BenchEngine): Promise<FreshStorage> {
  const name = `bench_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  if (engine === 'sqlite') {
    const dir = join(BENCH_WORK_DIR, name);
    mkdirSync(dir, { recursive: true });
    return {
      settings: { databaseUrl: `sqlite:${join(dir, 'bench.db')}`, schema: name },
      drop: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    };
  }
  await postgresSql(`CREATE SCHEMA "${name}"`);
  return {
    settings: { databaseUrl: BENCH_POSTGRES_URL, schema: name },
    drop: async () => {
      await postgresSql(`DROP SCHEMA "${name}" CASCADE`);
      // The application's DATA_DIR (task files) for this scenario, see benchEnvironment.
      rmSync(join(BENCH_WORK_DIR, name), { recursive: true, force: true });
    },
  };
}

/** One statement on a short-lived connection of the harness's own. */
export async function postgresSql<T extends pg.QueryResultRow = pg.QueryResultRow>(
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: BENCH_POSTGRES_URL });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** ANALYZE every table of a queue's schema, as autovacuum would after a burst of inserts. */
export async function analyzeSchema(schema: string): Promise<void> {
  const tables = await postgresSql<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = $1',
    [schema],
  );
  for (const { tablename } of tables) await postgresSql(`ANALYZE "${schema}"."${tablename}"`);
}
