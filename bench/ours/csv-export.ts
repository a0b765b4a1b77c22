import { execFileSync, fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAppConfig } from '../../src/config/app-config.js';
import { DemoContentSeeder } from '../../src/content/seed/demo-content.seeder.js';
import { DEMO_FIELDS } from '../../src/content/seed/demo-articles.js';
import { runMigrations } from '../../src/database/migrator.js';
import type { QueueSettings } from '../harness/queue-under-test.js';
import { recordMeasurement } from '../harness/results.js';
import { formatRate } from '../harness/stats.js';
import {
  BENCH_POSTGRES_URL,
  BENCH_WORK_DIR,
  freshStorage,
  postgresSql,
  type BenchEngine,
} from '../harness/storage.js';
import type { ExportFigures } from './csv-export-child.js';
import { benchEnvironment, bootApp } from './queue.js';

const SIZES = [100_000, 1_000_000].map((n) => Math.round(n * Number(process.env.BENCH_SCALE ?? 1)));

/**
 * Exports the demo `articles` type (six fields) through the real export task, at 100,000 and 1,000,000
 * items, and times the database's own CSV export of the same rows and columns in the same order. The
 * export runs in a fresh application process; its peak RSS (sampled every 20 ms) includes the booted app.
 */
export async function benchmarkCsvExport(engine: BenchEngine, machine: string): Promise<void> {
  const storage = await freshStorage(engine);
  const config = loadAppConfig(
    benchEnvironment(storage.settings, { APP_ROLE: 'all', WORKER_CONCURRENCY: '2' }),
  );
  await runMigrations(config.database);
  const app = await bootApp(config);
  try {
    const figures: Record<string, number> = {};
    for (const size of SIZES) {
      await app.get(DemoContentSeeder).ensureArticles(size);
      // Ours and the database's own export in turns, BENCH_RUNS times each, after the seeding's work is
      // done: an autovacuum of the million new rows, or the checkpoint their WAL calls for, must not fall
      // on one of the two only. Rates are medians, the peak RSS the highest.
      const runs: ExportFigures[] = [];
      const natives: number[] = [];
      let tool = '';
      for (let run = 0; run < RUNS; run++) {
        await settle(engine, storage.settings.schema);
        runs.push(await exportInChildProcess(storage.settings));
        await settle(engine, storage.settings.schema);
        const native = nativeExport(engine, storage.settings.schema, storage.settings.databaseUrl);
        natives.push(native.rowsPerSecond);
        tool = native.tool;
      }
      const ours = {
        rowsPerSecond: median(runs.map((r) => r.rowsPerSecond)),
        peakRssMb: Math.max(...runs.map((r) => r.peakRssMb)),
        rssBeforeMb: Math.max(...runs.map((r) => r.rssBeforeMb)),
      };
      const native = { tool, rowsPerSecond: median(natives) };
      const label = size.toLocaleString('en');
      console.log(
        `[csv ${engine}] ${label} items: ${formatRate(ours.rowsPerSecond)} rows/s, peak RSS ${ours.peakRssMb} MB ` +
          `(before ${ours.rssBeforeMb} MB); ${native.tool} ${formatRate(native.rowsPerSecond)} rows/s`,
      );
      figures[`rowsPerSecond${size}`] = ours.rowsPerSecond;
      figures[`peakRssMb${size}`] = ours.peakRssMb;
      figures[`nativeRowsPerSecond${size}`] = native.rowsPerSecond;
      await recordMeasurement(machine, `csv-${engine}-${size}`, {
        section: `CSV export (${engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})`,
        label: `${label} items, 9 columns`,
        value:
          `${formatRate(ours.rowsPerSecond)} rows/s (${(ours.rowsPerSecond / native.rowsPerSecond).toFixed(2)}× ${native.tool}: ` +
          `${formatRate(native.rowsPerSecond)} rows/s); peak RSS ${ours.peakRssMb} MB`,
        detail: `export task end to end (enqueue → completed, file synced), in a fresh app process: ${ours.rssBeforeMb} MB RSS before the export; median of ${RUNS} runs, in turns with ${native.tool}`,
        numbers: {
          rowsPerSecond: ours.rowsPerSecond,
          copyRowsPerSecond: native.rowsPerSecond,
          peakRssMb: ours.peakRssMb,
        },
        measuredAt: new Date().toISOString(),
      });
    }
    if (engine === 'postgres') {
      const largest = SIZES[SIZES.length - 1];
      await recordMeasurement(machine, 'csv-postgres', {
        section: 'CSV export (PostgreSQL)',
        label: 'targets',
        value: `peak RSS ${figures[`peakRssMb${SIZES[0]}`]} MB at ${SIZES[0].toLocaleString('en')} items, ${figures[`peakRssMb${largest}`]} MB at ${largest.toLocaleString('en')}`,
        detail: 'flat memory: the database streams the CSV, at most two 1 MB blocks in this process',
        numbers: {
          rowsPerSecond: figures[`rowsPerSecond${largest}`],
          copyRowsPerSecond: figures[`nativeRowsPerSecond${largest}`],
          peakRssMb: figures[`peakRssMb${largest}`],
        },
        measuredAt: new Date().toISOString(),
      });
    }
  } finally {
    await app.close();
    await storage.drop();
  }
}

const RUNS = Number(process.env.BENCH_RUNS ?? 2);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** PostgreSQL: statistics and visibility map up to date, and the WAL written so far checkpointed. */
async function settle(engine: BenchEngine, schema: string): Promise<void> {
  if (engine !== 'postgres') return;
  await postgresSql(`VACUUM ANALYZE "${schema}".content_items`);
  await postgresSql('CHECKPOINT');
}

/** Runs the export in a fresh process (see csv-export-child.ts) and returns its figures. */
function exportInChildProcess(settings: QueueSettings): Promise<ExportFigures> {
  const compiled = import.meta.url.endsWith('.js');
  const child = fork(
    fileURLToPath(new URL(compiled ? './csv-export-child.js' : './csv-export-child.ts', import.meta.url)),
    [],
    {
      execArgv: compiled ? [] : ['--import', '@swc-node/register/esm-register'],
      env: { ...process.env, BENCH_QUEUE_SETTINGS: JSON.stringify(settings) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  return new Promise((resolve, reject) => {
    child.once('message', (figures: ExportFigures) => resolve(figures));
    child.once('exit', (code) =>
      reject(new Error(`the export process exited with code ${code} without figures`)),
    );
  });
}

/** The same columns, rows and order as the export, written by the database's own CSV output to a file. */
function nativeExport(engine: BenchEngine, schema: string, databaseUrl: string) {
  const file = join(BENCH_WORK_DIR, `${schema}.native.csv`);
  const values = DEMO_FIELDS.map((field) =>
    engine === 'postgres'
      ? `field_values->>'${field.developerName}'`
      : `json_extract(field_values, '$.${field.developerName}')`,
  );
  const columns = ['id', 'created_at', 'updated_at', ...values].join(', ');
  const start = performance.now();
  if (engine === 'postgres') {
    const sql =
      `COPY (SELECT ${columns} FROM "${schema}".content_items ORDER BY content_type_id, created_at, id) ` +
      'TO STDOUT WITH (FORMAT csv, HEADER)';
    execFileSync('sh', ['-c', 'psql "$1" -X -q -c "$2" > "$3"', 'sh', BENCH_POSTGRES_URL, sql, file]);
  } else {
    const sql = `SELECT ${columns} FROM content_items ORDER BY content_type_id, created_at, id`;
    execFileSync('sh', [
      '-c',
      `sqlite3 -csv -header "$1" "$2" > "$3"`,
      'sh',
      databaseUrl.slice('sqlite:'.length),
      sql,
      file,
    ]);
  }
  const elapsed = performance.now() - start;
  const rows = Number(execFileSync('sh', ['-c', `wc -l < "$1"`, 'sh', file]).toString().trim()) - 1;
  rmSync(file, { force: true });
  return {
    tool: engine === 'postgres' ? 'COPY … TO STDOUT WITH CSV (psql)' : 'sqlite3 -csv',
    rowsPerSecond: (rows / elapsed) * 1000,
  };
}
