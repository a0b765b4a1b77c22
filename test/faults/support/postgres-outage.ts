import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { sleep } from './fault-report.js';

/**
 * Takes the local PostgreSQL away for a while: stops the cluster with pg_ctlcluster when this user may (CI
 * runs as root), otherwise cuts every connection of the given applications again and again for the same
 * time with pg_terminate_backend. Either way it is a real outage to the processes under test.
 */
export async function postgresOutage(
  durationMs: number,
  url: string,
  applications: string[],
): Promise<'stopped' | 'connections cut'> {
  // Read in the call, inside the try below: with no local cluster the outage falls back to cutting connections.
  const cluster = (action: 'stop' | 'start') =>
    execFileSync(
      'pg_ctlcluster',
      [
        '--skip-systemctl-redirect',
        String(readdirSync('/etc/postgresql').sort().at(-1)),
        'main',
        action,
        ...(action === 'stop' ? ['-m', 'fast'] : []),
      ],
      {
        stdio: 'ignore',
        timeout: 60_000,
      },
    );
  try {
    cluster('stop');
  } catch {
    await cutConnections(durationMs, url, applications);
    return 'connections cut';
  }
  try {
    await sleep(durationMs);
  } finally {
    cluster('start');
  }
  return 'stopped';
}

async function cutConnections(durationMs: number, url: string, applications: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'outage' });
  await client.connect();
  try {
    const until = Date.now() + durationMs;
    while (Date.now() < until) {
      await client.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ANY($1)',
        [applications],
      );
      await sleep(50);
    }
  } finally {
    await client.end();
  }
}
