/**
 * What the harness needs from a queue library to measure it: this project, graphile-worker, pg-boss and the
 * raw SQL floor each implement it in a module whose default export is a {@link QueueFactory}, so every
 * figure in bench/RESULTS.md comes from the same scenarios, clock and machine.
 */

/** The payload of every benchmark task: a no-op, except that a pickup sample carries its number. */
export interface BenchPayload {
  readonly sample?: number;
}

/** Where a queue keeps its tables: its own database schema, created empty by the harness. */
export interface QueueSettings {
  readonly databaseUrl: string;
  readonly schema: string;
}

export interface WorkerOptions {
  /** Handlers running at once in this worker. */
  readonly concurrency: number;
  /** Called by the no-op handler as the first thing it does, with the task's payload. */
  readonly onTaskStart: (payload: BenchPayload) => void;
}

export interface RunningWorker {
  /** Stops taking tasks and releases the worker's connections. */
  stop(): Promise<void>;
}

export interface QueueUnderTest {
  /** Name and version, e.g. `graphile-worker 0.17.3`. */
  readonly library: string;
  /** The settings that matter for the figures, e.g. `localQueue 500, batched completion`. */
  readonly configuration: string;
  /** Creates the queue's tables (migrations) in the empty schema. */
  prepare(): Promise<void>;
  /** Enqueues one task with the library's ordinary one-task API: one round trip. */
  enqueue(payload: BenchPayload): Promise<void>;
  /** Enqueues `count` no-op tasks with the library's bulk API, in one call. */
  enqueueBatch(count: number): Promise<void>;
  /** Whether any task is still waiting or running (its completion not committed). */
  hasUnfinished(): Promise<boolean>;
  /** Starts a worker in this process that runs the no-op task. */
  startWorker(options: WorkerOptions): Promise<RunningWorker>;
  /** Releases the enqueuing side's connections. */
  close(): Promise<void>;
}

export type QueueFactory = (settings: QueueSettings) => Promise<QueueUnderTest>;

/** A wall-clock time in milliseconds with sub-millisecond resolution, comparable across processes. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
