import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadDatabaseConfig } from '../../src/database/database-environment.js';

/** Runs `npm run migration:… ` as production does: the CLI from source, with only the given variables. */
function migrationCli(command: string, env: Record<string, string>) {
  return spawnSync(
    process.execPath,
    ['--import', '@swc-node/register/esm-register', 'src/database/migrate.cli.ts', command],
    { encoding: 'utf8', env: { PATH: process.env.PATH, ...env } },
  );
}

describe('the migration CLI', () => {
  it('migrates a production database with the database variables alone (no ADMIN_TOKENS)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrate-cli-'));
    try {
      const env = { NODE_ENV: 'production', DATABASE_URL: `sqlite:${join(dir, 'app.db')}` };
      const run = migrationCli('run', env);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^Applied on sqlite: CreateBackgroundTasks1763900000000, /);
      expect(migrationCli('run', env).stdout).toContain('Nothing to apply on sqlite');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('still refuses a bad database variable, naming it', () => {
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'mysql://x' })).toThrow(
      /DATABASE_URL must start with sqlite:/,
    );
    expect(() => loadDatabaseConfig({ DATABASE_URL: 'postgres://h/db', SchemaName: 'a;b' })).toThrow(
      /SchemaName must be a SQL identifier/,
    );
    expect(loadDatabaseConfig({ DATABASE_URL: 'postgres://h/db', ADMIN_TOKENS: '' })).toMatchObject({
      engine: 'postgres',
      schema: 'public',
    });
  });
});
