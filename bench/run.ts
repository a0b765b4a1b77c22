/**
 * `npm run bench`: this project's figures on PostgreSQL and SQLite (see bench/README.md); the peers run with
 * `npm run bench:peers`. Both write their figures to bench/RESULTS.md. BENCH_ONLY=queue,scale,csv,progress,live
 * picks parts; BENCH_ENGINES=postgres,sqlite picks engines.
 */
import { describeMachine } from './harness/machine.js';
import { benchmarkQueue } from './harness/run-queue-benchmark.js';
import type { BenchEngine } from './harness/storage.js';
import { benchmarkCsvExport } from './ours/csv-export.js';
import { benchmarkLiveViews } from './ours/live-views.js';
import { benchmarkProgressWrites } from './ours/progress-writes.js';
import { benchmarkScale } from './ours/scale.js';

// Compiled by `npm run bench` (tsc), so that no TypeScript compiler runs in the measured processes.
const OURS = new URL('./ours/queue.js', import.meta.url).href;
const engines = (process.env.BENCH_ENGINES ?? 'postgres,sqlite').split(',') as BenchEngine[];
const parts = (process.env.BENCH_ONLY ?? 'queue,scale,csv,progress,live').split(',');
const machine = await describeMachine();

// The CSV export first, while this process holds nothing else: its peak RSS is part of the figures.
for (const engine of engines) {
  if (parts.includes('csv')) await benchmarkCsvExport(engine, machine);
}
// Both configurations, one after the other (BENCH_CONFIG=defaults or tuned picks one).
const configurations = process.env.BENCH_CONFIG ? [process.env.BENCH_CONFIG] : ['defaults', 'tuned'];
for (const engine of engines) {
  if (parts.includes('progress')) await benchmarkProgressWrites(engine, machine);
  for (const configuration of configurations) {
    // Read by bench/ours/queue.ts here and in the worker processes, which inherit the environment.
    process.env.BENCH_CONFIG = configuration;
    if (parts.includes('queue')) await benchmarkQueue(OURS, engine, machine);
  }
  process.env.BENCH_CONFIG = 'tuned';
  if (parts.includes('scale') && engine === 'postgres') await benchmarkScale(OURS, machine);
  if (parts.includes('live') && engine === 'postgres') await benchmarkLiveViews(machine);
}
