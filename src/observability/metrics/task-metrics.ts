import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import {
  BackgroundTasksStatus,
  TaskEvents,
  type EndedRun,
  type TaskEvent,
} from '../../background-tasks/index.js';

/**
 * The queue's Prometheus metrics, for GET /metrics, a subscriber of the task module's events. Each process
 * counts what it wrote itself (its inserts, its claims, the endings it stored), so that summing over
 * instances counts every event once:
 *
 * - enqueued, by task name: counted once the insert is committed;
 * - completed / failed / cancelled / retried, by name: the endings a worker stored, and cancellations of
 *   waiting tasks by API requests;
 * - run time (claim to stored ending) and queue wait (due to claimed), by name;
 * - queue depth by status, read at scrape time; claim round duration; the worker's running tasks and last
 *   claim round;
 * - paused task names, read at scrape time, and pauses and resumes made through this process.
 */
@Injectable()
export class TaskMetrics implements OnModuleInit, OnApplicationShutdown {
  readonly registry = new Registry();
  private readonly enqueued: Counter<'name'>;
  private readonly completed: Counter<'name'>;
  private readonly failed: Counter<'name'>;
  private readonly cancelled: Counter<'name'>;
  private readonly retried: Counter<'name'>;
  private readonly recovered: Counter;
  private readonly runDuration: Histogram<'name' | 'outcome'>;
  private readonly queueWait: Histogram<'name'>;
  private readonly claimDuration: Histogram;
  private readonly pauses: Counter<'name' | 'change'>;
  private readonly unsubscribes: (() => void)[] = [];

  constructor(
    private readonly events: TaskEvents,
    status: BackgroundTasksStatus,
  ) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['name'] as const, registers });
    this.enqueued = counter('background_tasks_enqueued_total', 'Tasks enqueued (committed) by this process');
    this.completed = counter(
      'background_tasks_completed_total',
      'Tasks that completed, ended by this process',
    );
    this.failed = counter(
      'background_tasks_failed_total',
      'Tasks that failed for good, ended by this process',
    );
    this.cancelled = counter(
      'background_tasks_cancelled_total',
      'Tasks cancelled: running ones ended by this worker, waiting ones by requests to this process',
    );
    this.retried = counter(
      'background_tasks_retried_total',
      'Failed attempts put back in the queue to be tried again, by this process',
    );
    this.recovered = new Counter({
      name: 'background_tasks_expired_leases_recovered_total',
      help: 'Tasks whose worker vanished (expired lease), returned to the queue or failed by this process',
      registers,
    });
    this.runDuration = new Histogram({
      name: 'background_tasks_run_duration_seconds',
      help: 'From the claim to the stored ending of a run, by task name and how it ended',
      labelNames: ['name', 'outcome'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 900, 3600],
      registers,
    });
    this.queueWait = new Histogram({
      name: 'background_tasks_queue_wait_seconds',
      help: 'From when a task was due to its claim, by task name',
      labelNames: ['name'] as const,
      buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 3600],
      registers,
    });
    this.claimDuration = new Histogram({
      name: 'background_tasks_claim_round_duration_seconds',
      help: "Duration of this worker's claim statements",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    });
    new Gauge({
      name: 'background_tasks_queue_depth',
      help: 'Tasks waiting (enqueued), running (processing) and suspended, in the whole queue',
      labelNames: ['status'] as const,
      registers,
      async collect() {
        const counts = await status.queueCounts();
        for (const [status, count] of Object.entries(counts)) this.set({ status }, Number(count));
      },
    });
    this.pauses = new Counter({
      name: 'background_tasks_queue_pause_changes_total',
      help: 'Task names paused or resumed through this process, by name and change',
      labelNames: ['name', 'change'] as const,
      registers,
    });
    new Gauge({
      name: 'background_tasks_queue_paused',
      help: 'Task names paused now (1), in the whole queue; names resumed read 0',
      labelNames: ['name'] as const,
      registers,
      async collect() {
        this.reset();
        for (const queue of await status.queueStates()) this.set({ name: queue.name }, queue.paused ? 1 : 0);
      },
    });
    new Gauge({
      name: 'background_tasks_worker_running_tasks',
      help: 'Handlers running in this process now',
      registers,
      collect() {
        this.set(status.workerStatus().runningTasks);
      },
    });
    new Gauge({
      name: 'background_tasks_worker_last_claim_round_timestamp_seconds',
      help: "When this process's worker last finished a claim round (0: never; APP_ROLE=api runs none)",
      registers,
      collect() {
        this.set((status.workerStatus().lastClaimRoundAt?.getTime() ?? 0) / 1000);
      },
    });
  }

  onModuleInit(): void {
    this.unsubscribes.push(this.events.subscribe((event) => this.onEvent(event)));
  }

  onApplicationShutdown(): void {
    for (const unsubscribe of this.unsubscribes) unsubscribe();
  }

  /** The Prometheus text format. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private onEvent(event: TaskEvent): void {
    switch (event.kind) {
      case 'enqueued':
        this.enqueued.inc({ name: event.name }, event.ids.length);
        return;
      case 'claimed':
        if (event.claimMs !== undefined) this.claimDuration.observe(event.claimMs / 1000);
        for (const { name, waitMs } of event.runs) this.queueWait.observe({ name }, waitMs / 1000);
        return;
      case 'ended':
        for (const run of event.runs) this.countEnding(run);
        return;
      case 'cancel-requested':
        // A waiting task ends here; a running one when its worker stores the cancellation (`ended`).
        if (event.ended) this.cancelled.inc({ name: event.task.name });
        return;
      case 'leases-recovered':
        this.recovered.inc(event.count);
        return;
      case 'queue-paused':
      case 'queue-resumed':
        this.pauses.inc({ name: event.name, change: event.kind === 'queue-paused' ? 'paused' : 'resumed' });
        return;
      default:
        return;
    }
  }

  private countEnding(run: EndedRun): void {
    this.runDuration.observe({ name: run.name, outcome: run.ending }, run.runMs / 1000);
    const counter = {
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      retrying: this.retried,
      suspended: undefined,
    }[run.ending];
    counter?.inc({ name: run.name });
  }
}
