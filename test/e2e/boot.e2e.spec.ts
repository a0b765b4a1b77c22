import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
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

  it('creates, migrates and serves a new SQLite database, and runs the demo task', async () => {
    const database = `sqlite:${join(dir, 'data', 'app.db')}`;
    const app = startMain({ PORT: '0', NODE_ENV: 'development', DATABASE_URL: database });
    try {
      const url = await eventually(() => /Listening on (http:\/\/\S+)/.exec(app.output())?.[1], 90_000, 50);
      // Loopback outside production, and the address it really listens on.
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(app.output()).toMatch(/Applied migrations: CreateBackgroundTasks/);
      expect(app.output()).toMatch(/ADMIN_TOKENS is not set/);
      const auth = { Authorization: 'Bearer dev-admin-token' };
      const { body } = await request(url)
        .post('/api/demo-tasks')
        .set(auth)
        .send({ steps: 2, stepMs: 50 })
        .expect(202);
      await eventually(async () => {
        const task = await request(url).get(`/api/background-tasks/${body.taskId}`).set(auth);
        return task.body.status === 'completed';
      }, 30_000);
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
