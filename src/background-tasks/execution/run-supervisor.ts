import { context } from '@opentelemetry/api';
import type { Logger } from '@nestjs/common';
import type { WorkerRunningTask } from '../model/task-records.js';
import type { EndingWriter } from './ending-writer.js';
import { ENDING_UNDER_WAY, type HeldLease, type LeaseKeeper } from './lease-keeper.js';
import { taskLogFields } from '../task-log-fields.js';
import { describeThrown } from './run-errors.js';
import { TaskRun, type AbortCause, type TaskRunDependencies } from './task-run.js';
import type { SlotRelease } from './worker-slots.js';

/** What the supervisor tells the worker, so that it can start the next task or claim again. */
export interface RunEvents {
  /** A run's handler settled (or was abandoned): its slot is free. */
  slotFreed(): void;
  /**
   * A lease of a task of this name was given up: its ending settled, or it was lost. Room in the lease
   * budget, and, for a flow-controlled name, a place under its limits.
   */
  leaseReleased(name: string): void;
}

/**
 * Takes each claimed task from its slot to its stored ending: runs it (TaskRun), gives the slot back the
 * moment the handler is done, and keeps the lease until the EndingWriter has settled the ending.
 *
 * Invariant: the slot is released in the `finally` of the run, and the lease only after its ending
 * settled; a task that never started (released from the buffer, or at shutdown) goes back through the same
 * EndingWriter, so every lease this worker holds ends by exactly one path.
 */
export class RunSupervisor {
  /** Runs whose handler has not settled, nor been abandoned. */
  private readonly running = new Set<TaskRun>();

  constructor(
    private readonly dependencies: TaskRunDependencies,
    private readonly leases: LeaseKeeper,
    private readonly endings: EndingWriter,
    private readonly logger: Logger,
    private readonly events: RunEvents,
  ) {}

  /** Handlers running now. */
  get size(): number {
    return this.running.size;
  }

  /** The tasks whose handlers run now (the worker's heartbeat names them). */
  runningTasks(): WorkerRunningTask[] {
    return [...this.running].map(({ task }) => ({ id: task.id, name: task.name }));
  }

  /** Starts the claimed task in the slot just acquired for it. */
  start(lease: HeldLease, releaseSlot: SlotRelease): void {
    const run = new TaskRun(lease.task, this.dependencies);
    this.running.add(run);
    lease.holder = run; // a run stops itself when its lease is lost or its task cancelled
    lease.trace?.started();
    void this.runToItsEnding(run, lease, releaseSlot);
  }

  /** Fires every running handler's signal (each then has the grace period to settle). */
  abortAll(cause: AbortCause): void {
    for (const run of this.running) run.abort(cause);
  }

  /**
   * Gives a claimed task that never started back: `enqueued` with its attempt returned, or `cancelled` when a
   * cancellation was requested meanwhile (the ending statement decides that under the row lock).
   */
  releaseUnstarted(lease: HeldLease): void {
    lease.holder = ENDING_UNDER_WAY;
    const { id, leaseOwner, attempts: attempt, progress } = lease.task;
    const released = { id, leaseOwner, attempt, ending: { kind: 'released' as const }, progress };
    lease.trace?.endingStarted(released.ending);
    void this.endings.submit(released, lease).then((settlement) => {
      lease.trace?.end(settlement);
      this.leases.release(lease);
      this.events.leaseReleased(lease.task.name);
    });
  }

  private async runToItsEnding(run: TaskRun, lease: HeldLease, releaseSlot: SlotRelease): Promise<void> {
    const { task } = run;
    const { trace } = lease;
    try {
      // Traced, the handler runs inside the run's span: the spans it makes are the run's children.
      const finished = await (trace ? context.with(trace.context, () => run.execute()) : run.execute());
      this.handlerDone(run, lease, releaseSlot);
      trace?.endingStarted(finished?.ending);
      const settlement = finished ? await this.endings.submit(finished, lease) : 'lease-lost';
      trace?.end(settlement);
      if (settlement === 'fenced') {
        this.logger.warn(
          `Task ${task.id} (${task.name}): ending rejected, the lease had moved to another worker`,
          taskLogFields(task),
        );
      }
    } catch (error) {
      // A bug: execute() never rejects. The slot and the lease are given back all the same.
      this.logger.error(
        `Task ${task.id} (${task.name}): ${describeThrown(error).message}`,
        taskLogFields(task),
      );
    } finally {
      trace?.end('lease-lost'); // a bug above; does nothing once the run's spans ended
      this.handlerDone(run, lease, releaseSlot);
      this.leases.release(lease);
      this.events.leaseReleased(lease.task.name);
    }
  }

  /** Idempotent: the handler is done, its slot free; the lease now waits for the ending only. */
  private handlerDone(run: TaskRun, lease: HeldLease, releaseSlot: SlotRelease): void {
    if (!this.running.delete(run)) return;
    releaseSlot();
    lease.holder = ENDING_UNDER_WAY;
    this.events.slotFreed();
  }
}
