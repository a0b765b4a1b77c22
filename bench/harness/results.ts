import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { join } from 'node:path';
import { QUEUE_SCENARIOS, type Figure, type QueueScenario } from './scenarios.js';
import { formatMs, formatRate } from './stats.js';
import { BENCH_DIR, BENCH_WORK_DIR, type BenchEngine } from './storage.js';

/**
 * Figures are kept in bench/.work/results.json (git-ignored) as the bench scripts produce them, and
 * bench/RESULTS.md is regenerated from it after every script: its tables sit between the markers below,
 * and everything outside them (the analysis) is written by hand and kept.
 */
const RESULTS_JSON = join(BENCH_WORK_DIR, 'results.json');
const RESULTS_MD = join(BENCH_DIR, 'RESULTS.md');
const BEGIN = '<!-- generated tables: begin (npm run bench / bench:peers rewrite this part) -->';
const END = '<!-- generated tables: end -->';

export const OUR_LIBRARY = 'this project';

export interface QueueEntry {
  readonly engine: BenchEngine;
  readonly library: string;
  readonly configuration: string;
  readonly measuredAt: string;
  /** Every run's figure, per scenario. */
  readonly figures: Partial<Record<QueueScenario, Figure[]>>;
}

/** A figure only this project has (scale, CSV export, progress writes), with the numbers the targets use. */
export interface Measurement {
  readonly section: string;
  readonly label: string;
  readonly value: string;
  readonly detail: string;
  readonly numbers: Record<string, number>;
  readonly measuredAt: string;
}

interface ResultsFile {
  machine: string;
  queues: Record<string, QueueEntry>;
  measurements: Record<string, Measurement>;
}

function load(): ResultsFile {
  if (!existsSync(RESULTS_JSON)) return { machine: '', queues: {}, measurements: {} };
  return JSON.parse(readFileSync(RESULTS_JSON, 'utf8')) as ResultsFile;
}

/** Writes the raw figures and RESULTS.md, formatted as `npm run lint` wants it (the tables aligned). */
async function save(results: ResultsFile): Promise<void> {
  mkdirSync(BENCH_WORK_DIR, { recursive: true });
  writeFileSync(RESULTS_JSON, JSON.stringify(results, null, 2));
  const options = await prettier.resolveConfig(RESULTS_MD);
  writeFileSync(
    RESULTS_MD,
    await prettier.format(renderMarkdown(results), { ...options, parser: 'markdown' }),
  );
}

export async function recordQueue(machine: string, entry: QueueEntry): Promise<void> {
  const results = load();
  results.machine = machine;
  // One row per library and engine: the latest run replaces the previous one, whatever its configuration.
  results.queues[`${entry.engine}|${entry.library}`] = entry;
  await save(results);
}

export async function recordMeasurement(
  machine: string,
  key: string,
  measurement: Measurement,
): Promise<void> {
  const results = load();
  results.machine = machine;
  results.measurements[key] = measurement;
  await save(results);
}

const COLUMN_TITLES: Record<QueueScenario, string> = {
  'enqueue-one': 'enqueue one at a time',
  'enqueue-bulk': 'enqueue bulk',
  'drain-1-process': 'drain, 1 process × 8',
  'drain-2-processes': 'drain, 2 processes × 8',
  'pickup-same-process': 'pickup, same process p50 / p95 / max',
  'pickup-other-process': 'pickup, other process p50 / p95 / max',
  'drain-backlog': 'drain a backlog, timed from the worker’s start',
  'pickup-after-burst': 'pickup right after a 50,000-task drain p50 / p95 / max',
};

/** "a–b" over the runs, as in the issue's reference table. */
export function formatFigures(figures: readonly Figure[] | undefined): string {
  if (!figures || figures.length === 0) return '–';
  if (figures[0].unit === 'ms') {
    return figures
      .map((f) => `${formatMs(f.value)} / ${formatMs(f.p95 ?? NaN)} / ${formatMs(f.max ?? NaN)}`)
      .join('; ');
  }
  const values = figures.map((f) => f.value).sort((a, b) => a - b);
  const low = formatRate(values[0]);
  const high = formatRate(values[values.length - 1]);
  return low === high ? `${low} /s` : `${low}–${high} /s`;
}

function renderQueueTable(entries: QueueEntry[]): string[] {
  const header = ['engine', 'library', 'configuration', ...QUEUE_SCENARIOS.map((s) => COLUMN_TITLES[s])];
  const rows = entries.map((entry) => [
    entry.engine === 'postgres' ? 'PostgreSQL' : 'SQLite',
    entry.library,
    entry.configuration,
    ...QUEUE_SCENARIOS.map((scenario) => formatFigures(entry.figures[scenario])),
  ]);
  return table(header, rows);
}

function table(header: string[], rows: string[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

const median = (figures: readonly Figure[] | undefined): number | undefined => {
  if (!figures || figures.length === 0) return undefined;
  const values = figures.map((f) => f.value).sort((a, b) => a - b);
  const middle = Math.floor(values.length / 2);
  return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
};

interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The issue's targets, as ratios from the same run where they compare with a peer. */
function evaluateTargets(results: ResultsFile): Target[] {
  const queue = (engine: BenchEngine, prefix: string) =>
    Object.values(results.queues).find((e) => e.engine === engine && e.library.startsWith(prefix));
  // `tuned` is BatchSize 1000 / WORKER_PREFETCH 1000; `defaults` what a user starts with.
  const ours = queue('postgres', `${OUR_LIBRARY} (tuned)`);
  const defaults = queue('postgres', `${OUR_LIBRARY} (defaults)`);
  const oursSqlite = queue('sqlite', `${OUR_LIBRARY} (tuned)`);
  const graphile = queue('postgres', 'graphile-worker');
  const pgBoss = queue('postgres', 'pg-boss');
  const floor = queue('postgres', 'raw SQL floor');
  const measured = (key: string, number: string) => results.measurements[key]?.numbers[number];
  const ratio = (label: string, a: number | undefined, b: number | undefined, min: number): Target => {
    if (a === undefined || b === undefined)
      return { target: label, measured: 'not measured yet', met: undefined };
    return { target: label, measured: `${(a / b).toFixed(2)}×`, met: a / b >= min };
  };
  const atMost = (label: string, value: number | undefined, max: number, unit: string): Target =>
    value === undefined
      ? { target: label, measured: 'not measured yet', met: undefined }
      : { target: label, measured: `${formatMs(value)} ${unit}`, met: value <= max };
  const atLeast = (label: string, value: number | undefined, min: number): Target =>
    value === undefined
      ? { target: label, measured: 'not measured yet', met: undefined }
      : { target: label, measured: `${formatRate(value)} /s`, met: value >= min };
  // Rates compare medians of the runs; latencies compare the worse run (and the worse configuration).
  const drain = median(ours?.figures['drain-1-process']);
  const worstOfBoth = (scenario: QueueScenario) => {
    const values = [ours, defaults].map((entry) => worst(entry?.figures[scenario]));
    return values.includes(undefined) ? undefined : Math.max(...(values as number[]));
  };
  return [
    ratio(
      'Drain on PostgreSQL ≥ 1.2× graphile-worker (tuned; first start to last completion)',
      drain,
      median(graphile?.figures['drain-1-process']),
      1.2,
    ),
    ratio(
      'Drain of a backlog ≥ 1.2× graphile-worker (tuned; from the worker’s start, boot included)',
      median(ours?.figures['drain-backlog']),
      median(graphile?.figures['drain-backlog']),
      1.2,
    ),
    ratio('Defaults drain ≥ 0.5× the tuned drain', median(defaults?.figures['drain-1-process']), drain, 0.5),
    ratio(
      'Defaults drain of a backlog ≥ 0.5× the tuned one',
      median(defaults?.figures['drain-backlog']),
      median(ours?.figures['drain-backlog']),
      0.5,
    ),
    ratio('Drain on PostgreSQL ≥ 0.8× raw SQL floor', drain, median(floor?.figures['drain-1-process']), 0.8),
    ratio('Drain on PostgreSQL ≥ 10× pg-boss', drain, median(pgBoss?.figures['drain-1-process']), 10),
    atMost(
      'Pickup p50 ≤ 2 ms, same process (both configurations)',
      worstOfBoth('pickup-same-process'),
      2,
      'ms',
    ),
    atMost(
      'Pickup p50 ≤ 5 ms, other process (both configurations)',
      worstOfBoth('pickup-other-process'),
      5,
      'ms',
    ),
    atMost(
      'Pickup p50 ≤ 5 ms right after a 50,000-task drain (both configurations)',
      worstOfBoth('pickup-after-burst'),
      5,
      'ms',
    ),
    ratio(
      'Bulk enqueue ≥ 1.5× graphile-worker',
      median(ours?.figures['enqueue-bulk']),
      median(graphile?.figures['enqueue-bulk']),
      1.5,
    ),
    atLeast('Bulk enqueue ≥ 50k /s', median(ours?.figures['enqueue-bulk']), 50_000),
    ratio('1M finished rows cost ≤ 20 % of drain throughput', measured('scale-postgres', 'ratio'), 1, 0.8),
    ratio(
      'CSV export ≥ 0.5× COPY (PostgreSQL)',
      measured('csv-postgres', 'rowsPerSecond'),
      measured('csv-postgres', 'copyRowsPerSecond'),
      0.5,
    ),
    atMost('CSV export peak RSS ≤ 200 MB (1M rows)', measured('csv-postgres', 'peakRssMb'), 200, 'MB'),
    ...(['postgres', 'sqlite'] as const).map((engine) => {
      // The smallest and the largest export of the run (100,000 and 1,000,000 items at BENCH_SCALE 1).
      const sizes = Object.keys(results.measurements)
        .filter((key) => key.startsWith(`csv-${engine}-`))
        .sort((a, b) => Number(a.split('-').at(-1)) - Number(b.split('-').at(-1)));
      const [small, large] = [sizes[0], sizes.at(-1)].map((key) =>
        key === undefined ? undefined : measured(key, 'peakRssMb'),
      );
      const label = `CSV export peak RSS ≤ 200 MB and flat (${engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})`;
      if (small === undefined || large === undefined) {
        return { target: label, measured: 'not measured yet', met: undefined };
      }
      const grew = large - small;
      return {
        target: label,
        measured: `${small} → ${large} MB (+${grew})`,
        met: large <= 200 && grew <= 20,
      };
    }),
    atMost(
      'Progress writes ≤ 5 /s for 100,000 reports (PostgreSQL)',
      measured('progress-postgres', 'perSecond'),
      5,
      'writes/s',
    ),
    atLeast(
      'SQLite drain ≥ 5,000 tasks/s, one process',
      median(oursSqlite?.figures['drain-1-process']),
      5_000,
    ),
  ];
}

/** The worst of the runs' latencies: the highest. */
function worst(figures: readonly Figure[] | undefined): number | undefined {
  return figures && figures.length > 0 ? Math.max(...figures.map((f) => f.value)) : undefined;
}

export function renderMarkdown(results: ResultsFile): string {
  const previous = existsSync(RESULTS_MD) ? readFileSync(RESULTS_MD, 'utf8') : '';
  const [before, rest] = previous.includes(BEGIN) ? previous.split(BEGIN) : ['# Benchmark results\n\n', ''];
  const after = rest.includes(END) ? rest.split(END)[1] : '\n';
  const entries = Object.values(results.queues).sort(
    (a, b) => a.engine.localeCompare(b.engine) || a.library.localeCompare(b.library),
  );
  const dates = [
    ...entries.map((e) => e.measuredAt),
    ...Object.values(results.measurements).map((m) => m.measuredAt),
  ].sort();
  const measurements = Object.values(results.measurements).sort((a, b) => a.section.localeCompare(b.section));
  const lines = [
    BEGIN,
    '',
    `Measured ${dates[0]?.slice(0, 10) ?? '–'}${dates.length > 1 && dates[dates.length - 1].slice(0, 10) !== dates[0].slice(0, 10) ? ` to ${dates[dates.length - 1].slice(0, 10)}` : ''} on: ${results.machine}.`,
    '',
    '### Queues side by side',
    '',
    ...renderQueueTable(entries),
    '',
    '### Targets',
    '',
    ...table(
      ['target', 'measured', 'met'],
      evaluateTargets(results).map((t) => [
        t.target,
        t.measured,
        t.met === undefined ? '–' : t.met ? 'yes' : '**no**',
      ]),
    ),
    '',
    '### This project only',
    '',
    ...table(
      ['what', 'case', 'figure', 'conditions'],
      measurements.map((m) => [m.section, m.label, m.value, m.detail]),
    ),
    '',
    END,
  ];
  return `${before}${lines.join('\n')}${after}`;
}
