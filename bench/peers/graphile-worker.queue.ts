/**
 * graphile-worker 0.17.3 under the benchmark harness, configured as its own performance page measures it
 * (https://worker.graphile.org/docs/performance): a local queue of 500 jobs and batched job completion.
 */
import { Logger, makeWorkerUtils, run, type SharedOptions } from 'graphile-worker';
import type {
  BenchPayload,
  QueueFactory,
  QueueSettings,
  QueueUnderTest,
  RunningWorker,
  WorkerOptions,
} from '../harness/queue-under-test.js';

const TASK = 'noop';

/** Graphile logs every job start and completion at info level: keep the benchmark's output clean. */
const quietLogger = new Logger(() => () => {});

const createGraphileWorkerQueue: QueueFactory = async (settings: QueueSettings): Promise<QueueUnderTest> => {
  const shared: SharedOptions = {
    connectionString: settings.databaseUrl,
    // Every table, function and type of graphile-worker goes into the harness's fresh schema.
    schema: settings.schema,
    logger: quietLogger,
  };
  const utils = await makeWorkerUtils(shared);
  return {
    library: 'graphile-worker 0.17.3',
    configuration: 'localQueue 500, batched completion',
    prepare: () => utils.migrate(),
    enqueue: async (payload: BenchPayload) => {
      await utils.addJob(TASK, payload);
    },
    enqueueBatch: async (count: number) => {
      await utils.addJobs(Array.from({ length: count }, () => ({ identifier: TASK, payload: {} })));
    },
    hasUnfinished: async () => {
      // Graphile deletes a job when it completes, so any row left is waiting, locked or being retried.
      // min(id) is one probe of the primary key: EXISTS would be planned as a sequential scan, wading
      // through every job deleted so far on each of the harness's checks.
      const { rows } = await utils.withPgClient((client) =>
        client.query<{ unfinished: boolean }>(
          `SELECT min(id) IS NOT NULL AS unfinished FROM ${client.escapeIdentifier(settings.schema)}._private_jobs`,
        ),
      );
      return rows[0].unfinished;
    },
    startWorker: (options: WorkerOptions) => startWorker(shared, options),
    close: async () => {
      await utils.release();
    },
  };
};

async function startWorker(shared: SharedOptions, options: WorkerOptions): Promise<RunningWorker> {
  const runner = await run({
    ...shared,
    concurrency: options.concurrency,
    // Graphile's advice: at least 10 connections, or concurrency + 2, so that fetching and completing
    // jobs never wait for a connection held by a running task.
    maxPoolSize: Math.max(10, options.concurrency + 2),
    // The harness stops the worker itself; SIGINT/SIGTERM handlers would outlive the runner.
    noHandleSignals: true,
    taskList: {
      [TASK]: (payload) => {
        options.onTaskStart(payload as BenchPayload);
      },
    },
    // No cron: an empty list also keeps graphile from looking for a crontab file in the working directory.
    parsedCronItems: [],
    preset: {
      worker: {
        // The settings of graphile's published figures. The local queue fetches and locks up to 500
        // jobs in one query and hands them to the 8 handlers without a round trip each...
        localQueue: { size: 500 },
        // ...and a delay of 0 batches the completions (deletes) issued in the same tick into one query,
        // without holding finished jobs back for a noticeable time.
        completeJobBatchDelay: 0,
        failJobBatchDelay: 0,
      },
    },
  });
  return {
    // stop() shuts the pool down gracefully (returning any jobs left in the local queue) and releases
    // the runner's own connection pool.
    stop: () => runner.stop(),
  };
}

export default createGraphileWorkerQueue;
