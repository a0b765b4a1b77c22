import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { migrations } from '../../migrations/index.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { eventually } from '../support/test-app.js';

const repo = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const MAIN = repo('src/main.ts');

/** Runs src/main.ts as `npm start` would, compiled on the fly by SWC, with nothing but the given environment. */
function startMain(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', '@swc-node/register/esm-register', MAIN], {
    cwd: repo(''),
    env: { PATH: process.env.PATH, NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    // 'close', not 'exit': by then its output is read to the end, for the assertions on what it logged.
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

describe('starting the application', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'bt-boot-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates, migrates and serves a new SQLite database, with its worker running', async () => {
    const database = `sqlite:${join(dir, 'data', 'app.db')}`;
    const app = startMain({ PORT: '0', NODE_ENV: 'development', DATABASE_URL: database });
    try {
      const url = await eventually(() => /Listening on (http:\/\/\S+)/.exec(app.output())?.[1], 90_000, 50);
      // Loopback outside production, and the address it really listens on.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(app.output()).toMatch(/Applied migrations: CreateBackgroundTasks/);
      expect(app.output()).toMatch(/ADMIN_TOKENS is not set/);
      // The worker runs (whatever features are mounted: this file does not assume the demo or the CMS).
      const health = await request(url).get('/health').expect(200);
      expect(health.body.info.worker).toMatchObject({ status: 'up', running: true });
    } finally {
      app.child.kill('SIGTERM');
      expect((await app.exited).signal).toBe('SIGTERM');
    }
    expect(app.output()).toMatch(/Worker .* stopped/);
  }, 180_000); // main.ts compiled on the fly by SWC, then a boot: slow on a busy machine

  it.each([
    [{ NODE_ENV: 'production' }, /ADMIN_TOKENS must be set in production/],
    [{ BatchSize: '0' }, /BatchSize must not be less than 1/],
    [{ SchemaName: 'x-y', DATABASE_URL: 'postgres://localhost/db' }, /SchemaName must be a SQL identifier/],
  ])(
    'refuses to start with %j, naming the problem',
    async (env, message) => {
      const app = startMain({ PORT: '0', DATABASE_URL: `sqlite:${join(dir, 'app.db')}`, ...env });
      const { code } = await app.exited;
      expect(code).toBe(1);
      expect(app.output()).toMatch(message);
    },
    120_000,
  );
});

const SERVER_ENGINES = TEST_ENGINES.filter((engine) => engine !== 'sqlite');
const FIRST = migrations[0].name;
const LAST = migrations[migrations.length - 1].name;

// (describe.each refuses an empty list: without a server engine, the block is skipped.)
const eachServerEngine =
  SERVER_ENGINES.length > 0 ? describe.each(SERVER_ENGINES) : describe.skip.each(['postgres' as const]);

eachServerEngine('starting on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => (database = await TestDatabase.create(engine)));
  afterAll(() => database.dispose());

  const start = (env: Record<string, string>) =>
    startMain({ PORT: '0', NODE_ENV: 'development', ...database.env, ...env });

  it('refuses a database never migrated in one line naming the command, and writes nothing', async () => {
    const schema = `${database.env.SchemaName}_new`;
    const app = start({ SchemaName: schema });
    expect((await app.exited).code).toBe(1);
    expect(app.output()).toContain(
      `lacks ${migrations.length} migration(s), from ${FIRST}: run \`npm run migration:run:prod\``,
    );
    expect(app.output()).not.toMatch(/^\s+at /m); // a line, not a stack trace
    // Read-only: the check did not create the schema (nor a migrations table in it).
    const [{ present }] = await database.sql<{ present: number | boolean }>(
      engine === 'postgres'
        ? 'SELECT to_regnamespace(?) IS NOT NULL AS present'
        : 'SELECT CASE WHEN SCHEMA_ID(?) IS NULL THEN 0 ELSE 1 END AS present',
      [schema],
    );
    expect(Boolean(present)).toBe(false);
  }, 120_000);

  it('refuses a database one migration behind, and starts once it is migrated', async () => {
    const migrationsTable = database.table('migrations');
    const [recorded] = await database.sql<{ timestamp: number | string }>(
      `SELECT timestamp FROM ${migrationsTable} WHERE name = ?`,
      [LAST],
    );
    await database.sql(`DELETE FROM ${migrationsTable} WHERE name = ?`, [LAST]);
    const behind = start({});
    expect((await behind.exited).code).toBe(1);
    expect(behind.output()).toContain(`lacks 1 migration(s), from ${LAST}`);

    await database.sql(`INSERT INTO ${migrationsTable} (timestamp, name) VALUES (?, ?)`, [
      recorded.timestamp,
      LAST,
    ]);
    const app = start({});
    try {
      const url = await eventually(() => /Listening on (http:\/\/\S+)/.exec(app.output())?.[1], 90_000, 50);
      await request(url).get('/health').expect(200);
    } finally {
      app.child.kill('SIGTERM');
      await app.exited;
    }
  }, 240_000);
});
