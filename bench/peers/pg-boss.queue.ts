/**
 * pg-boss 10.4.2 under the benchmark harness. Its workers poll: each work() loop fetches up to `batchSize`
 * jobs, runs the handler on the batch, completes it, and then sleeps until `pollingIntervalSeconds` have
 * passed since the fetch began (unless notifyWorker() wakes it; nothing calls that on a send). Version 10
 * dropped v9's teamSize/teamConcurrency, so a worker's concurrency is one work() loop per slot, the
 * pattern its maintainer points to ("each call to work() adds a new polling worker", timgit/pg-boss#483).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import PgBoss from 'pg-boss';
import type {
  BenchPayload,
  QueueFactory,
  QueueSettings,
  QueueUnderTest,
  RunningWorker,
  WorkerOptions,
} from '../harness/queue-under-test.js';

const QUEUE = 'noop';

/** 50 jobs per fetch; 0.5 s is the shortest polling interval v10 accepts. */
const POLLING_INTERVAL_MS = 500;
const WORK_OPTIONS: PgBoss.WorkOptions = {
  batchSize: 50,
  pollingIntervalSeconds: POLLING_INTERVAL_MS / 1000,
};

function createBoss(settings: QueueSettings): PgBoss {
  const boss = new PgBoss({
    connectionString: settings.databaseUrl,
    // pg-boss creates its tables, partitions and functions in the harness's fresh schema.
    schema: settings.schema,
    // Maintenance (expiring, archiving, deleting jobs) runs every 2 minutes by default, and the
    // scheduler adds cron and clock-skew loops of its own; neither has work to do in a benchmark
    // scenario, and both would put queries of their own into the timings.
    supervise: false,
    schedule: false,
  });
  // An 'error' event without a listener would kill the process; a real one (say, a failed fetch)
  // should still be seen, since it would stall the scenario.
  boss.on('error', (error) => console.error(`pg-boss: ${error.message}`));
  return boss;
}

const createPgBossQueue: QueueFactory = async (settings: QueueSettings): Promise<QueueUnderTest> => {
  const boss = await createBoss(settings).start(); // start() installs the schema if it is not there yet
  const db = boss.getDb();
  const schema = settings.schema;
  return {
    library: 'pg-boss 10.4.2',
    configuration: 'batchSize 50, 0.5 s polling, 8 staggered work() loops',
    prepare: () => boss.createQueue(QUEUE),
    enqueue: async (payload: BenchPayload) => {
      await boss.send(QUEUE, payload);
    },
    enqueueBatch: (count: number) =>
      boss.insert(Array.from({ length: count }, () => ({ name: QUEUE, data: {} }))),
    hasUnfinished: async () => {
      // States below 'completed' are created, retry and active. min(start_after) finds a waiting job with
      // one probe of pg-boss's own index on (name, start_after) WHERE state < 'active' (EXISTS is planned
      // as a bitmap scan that collects every waiting job on each of the harness's checks). Active jobs
      // have no index; that scan only runs once nothing is waiting, at the very end of a drain.
      const { rows } = await db.executeSql(
        `SELECT (SELECT min(start_after) FROM ${schema}.job WHERE name = $1 AND state < 'active') IS NOT NULL
             OR EXISTS (SELECT 1 FROM ${schema}.job WHERE name = $1 AND state = 'active') AS unfinished`,
        [QUEUE],
      );
      return (rows[0] as { unfinished: boolean }).unfinished;
    },
    startWorker: (options: WorkerOptions) => startWorker(settings, options),
    close: () => boss.stop({ graceful: false }),
  };
};

async function startWorker(settings: QueueSettings, options: WorkerOptions): Promise<RunningWorker> {
  // A PgBoss instance of its own, so that the worker's pool is released by stop() and the enqueuing side's
  // by close(), as in the other processes.
  const boss = await createBoss(settings).start();
  for (let slot = 0; slot < options.concurrency; slot++) {
    // A loop polls at a fixed period from its start, so loops registered together would poll together:
    // once per 0.5 s between all 8 of them. Spreading their starts over one interval makes one of them
    // poll every 62.5 ms, the best pickup latency these loops can give.
    if (slot > 0) await sleep(POLLING_INTERVAL_MS / options.concurrency);
    await boss.work<BenchPayload>(QUEUE, WORK_OPTIONS, async (jobs) => {
      for (const job of jobs) options.onTaskStart(job.data);
    });
  }
  return {
    // Graceful: stops the loops, waits for batches in progress, then closes the pool.
    stop: () => boss.stop({ graceful: true }),
  };
}

export default createPgBossQueue;
