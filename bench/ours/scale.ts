import { formatRate } from '../harness/stats.js';
import { runScenario } from '../harness/scenarios.js';
import { freshStorage, postgresSql } from '../harness/storage.js';
import { recordMeasurement } from '../harness/results.js';
import createQueue from './queue.js';

const FINISHED_ROWS = Number(process.env.BENCH_FINISHED_ROWS ?? 1_000_000);

/**
 * The drain of 50,000 tasks on an empty table and on one holding 1,000,000 finished tasks (as a queue
 * with a week of retention does), in the same run. The finished rows are in the table's indexes that are
 * not partial (id, creation order, creator), so this measures what history costs the hot path.
 */
/** History as a queue with a week of retention holds it, vacuumed and analysed as autovacuum would have. */
async function fillWithFinishedTasks(table: string, rows: number): Promise<void> {
  await postgresSql(
    `INSERT INTO ${table} (id, name, status, priority, run_after, attempts, max_attempts, metadata, result,
       percent_complete, created_at, updated_at, started_at, completed_at)
     SELECT gen_random_uuid(), 'bench.noop', 'completed', 0, t, 1, 3, '{}', 'null', 100, t, t, t, t
     FROM (SELECT now() - (n || ' seconds')::interval AS t FROM generate_series(1, $1) AS n) AS s`,
    [rows],
  );
  await postgresSql(`VACUUM ANALYZE ${table}`);
}

export async function benchmarkScale(queueModuleUrl: string, machine: string): Promise<void> {
  const drain = async (finishedRows: number) => {
    const storage = await freshStorage('postgres');
    try {
      const table = `"${storage.settings.schema}"."background_tasks"`;
      const { figure } = await runScenario('drain-1-process', {
        queueModuleUrl,
        createQueue,
        settings: storage.settings,
        beforeMeasure: async () => {
          if (finishedRows > 0) await fillWithFinishedTasks(table, finishedRows);
          // Both drains start right after a checkpoint: otherwise the one after the fill meets the checkpoint
          // that the fill's WAL triggers, and measures full-page writes and disk flushes instead of the queue.
          await postgresSql('CHECKPOINT');
        },
      });
      return figure.value;
    } finally {
      await storage.drop();
    }
  };
  const empty = await drain(0);
  const full = await drain(FINISHED_ROWS);
  const ratio = full / empty;
  console.log(
    `[scale] drain on an empty table ${formatRate(empty)} /s; with ${FINISHED_ROWS} finished rows ${formatRate(full)} /s (${ratio.toFixed(2)}×)`,
  );
  await recordMeasurement(machine, 'scale-postgres', {
    section: 'Scale (PostgreSQL)',
    label: `drain 50,000 with ${FINISHED_ROWS.toLocaleString('en')} finished tasks in the table`,
    value: `${formatRate(full)} /s = ${(ratio * 100).toFixed(0)} % of the empty table's ${formatRate(empty)} /s`,
    detail:
      '1 worker process × 8, same configuration as the drain above; VACUUM ANALYZE after the fill, a CHECKPOINT before each drain',
    numbers: { empty, full, ratio },
    measuredAt: new Date().toISOString(),
  });
}
