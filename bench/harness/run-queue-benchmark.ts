import type { QueueFactory } from './queue-under-test.js';
import { formatFigures, recordQueue } from './results.js';
import { QUEUE_SCENARIOS, SIZES, runScenario, type Figure, type QueueScenario } from './scenarios.js';
import { freshStorage, type BenchEngine } from './storage.js';

/** BENCH_RUNS (default 2) runs of each scenario; BENCH_SCENARIOS=drain-1-process,… picks some. */
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const SELECTED = process.env.BENCH_SCENARIOS?.split(',') as QueueScenario[] | undefined;

/**
 * Runs every queue scenario against one queue module on one engine, each in fresh storage, prints the
 * figures as they come and records them for bench/RESULTS.md. `machine` is described once, at the start of
 * the whole run, so that its load average is the one before any benchmark ran.
 */
export async function benchmarkQueue(
  queueModuleUrl: string,
  engine: BenchEngine,
  machine: string,
): Promise<void> {
  const { default: createQueue } = (await import(queueModuleUrl)) as { default: QueueFactory };
  const figures: Partial<Record<QueueScenario, Figure[]>> = {};
  let identity = { library: '?', configuration: '?' };
  console.log(`sizes: ${JSON.stringify(SIZES)}; ${RUNS} run(s) each`);
  for (let run = 1; run <= RUNS; run++) {
    for (const scenario of QUEUE_SCENARIOS.filter((s) => !SELECTED || SELECTED.includes(s))) {
      const storage = await freshStorage(engine);
      try {
        const result = await runScenario(scenario, {
          queueModuleUrl,
          createQueue,
          settings: storage.settings,
        });
        identity = result;
        (figures[scenario] ??= []).push(result.figure);
        console.log(
          `[${engine}] ${result.library} (${result.configuration}) run ${run} ${scenario}: ${formatFigures([result.figure])}`,
        );
      } finally {
        await storage.drop();
      }
    }
  }
  await recordQueue(machine, { engine, ...identity, measuredAt: new Date().toISOString(), figures });
}
