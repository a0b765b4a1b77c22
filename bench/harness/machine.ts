import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { postgresSql } from './storage.js';

/** What the figures were measured on, for bench/RESULTS.md. */
export async function describeMachine(): Promise<string> {
  const cpu = cpus();
  const settings = await postgresSql<{ name: string; setting: string }>(
    `SELECT name, setting FROM pg_settings WHERE name IN ('server_version', 'fsync', 'synchronous_commit')`,
  );
  const pgSetting = (name: string) => settings.find((row) => row.name === name)?.setting ?? '?';
  let os = 'Linux';
  try {
    os = execFileSync('sh', ['-c', '. /etc/os-release && echo "$PRETTY_NAME"']).toString().trim();
  } catch {
    // keep the generic name
  }
  return [
    `${os}, ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node.js ${process.versions.node}`,
    // Other work on the machine skews every figure; the load when the run started says whether there was any.
    `load average ${loadavg()[0].toFixed(2)} at the start`,
    `PostgreSQL ${pgSetting('server_version')} on the same machine (fsync ${pgSetting('fsync')}, ` +
      `synchronous_commit ${pgSetting('synchronous_commit')})`,
  ].join('; ');
}
