import { ApiProperty } from '@nestjs/swagger';
import type { WorkerRecord } from '../../model/task-records.js';

/**
 * A worker's state as the console shows it, from its heartbeat row:
 * - `live`: seen within its lease duration, its claim loop answering;
 * - `stalled`: seen within its lease duration, but its claim loop has not answered for longer than it should
 *   with a slot free (claimLoopStalled): alive, yet taking no work;
 * - `gone`: not seen for its lease duration (killed, frozen, cut off): its tasks go back to the queue as
 *   their leases expire, and its row is deleted after GONE_WORKER_KEPT_LEASES lease durations.
 * A worker that stops cleanly deletes its row, so it is never shown as gone.
 */
export type WorkerState = 'live' | 'stalled' | 'gone';
export const WORKER_STATES: readonly WorkerState[] = ['live', 'stalled', 'gone'];

export class WorkerRunningTaskView {
  @ApiProperty({ format: 'uuid' }) readonly id!: string;
  @ApiProperty() readonly name!: string;
}

export class WorkerView {
  @ApiProperty({ example: 'web-1:4242:a1b2c3', description: 'The prefix of every lease owner it writes' })
  readonly id!: string;
  @ApiProperty() readonly host!: string;
  @ApiProperty() readonly pid!: number;
  @ApiProperty({ enum: ['all', 'worker'], description: 'APP_ROLE of its process' }) readonly role!: string;
  @ApiProperty({ enum: WORKER_STATES }) readonly state!: WorkerState;
  @ApiProperty({ description: 'Slots (WORKER_CONCURRENCY)' }) readonly concurrency!: number;
  @ApiProperty({ description: 'Slots in use at its last heartbeat' }) readonly slotsInUse!: number;
  @ApiProperty({ description: 'Claimed tasks waiting for a slot in it' }) readonly prefetched!: number;
  @ApiProperty({ description: 'Its LEASE_DURATION, in milliseconds' }) readonly leaseDurationMs!: number;
  @ApiProperty({ type: String, format: 'date-time' }) readonly startedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', description: 'Its last heartbeat' })
  readonly lastSeenAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'Its last claim round' })
  readonly lastClaimAt!: string | null;
  @ApiProperty({ type: [WorkerRunningTaskView], description: 'The tasks it runs (at most 100)' })
  readonly running!: WorkerRunningTaskView[];
}

export class WorkerListView {
  @ApiProperty({ type: String, format: 'date-time', description: "The database's time of the read" })
  readonly at!: string;
  @ApiProperty({ type: [WorkerView], description: 'In host and pid order' })
  readonly items!: WorkerView[];
}

export function workerStateOf(worker: WorkerRecord): WorkerState {
  if (worker.readAt.getTime() - worker.lastSeenAt.getTime() > worker.leaseDurationMs) return 'gone';
  return worker.stalled ? 'stalled' : 'live';
}

export function toWorkerView(worker: WorkerRecord): WorkerView {
  return {
    id: worker.id,
    host: worker.host,
    pid: worker.pid,
    role: worker.role,
    state: workerStateOf(worker),
    concurrency: worker.concurrency,
    slotsInUse: worker.slotsInUse,
    prefetched: worker.prefetched,
    leaseDurationMs: worker.leaseDurationMs,
    startedAt: worker.startedAt.toISOString(),
    lastSeenAt: worker.lastSeenAt.toISOString(),
    lastClaimAt: worker.lastClaimAt?.toISOString() ?? null,
    running: worker.running.map(({ id, name }) => ({ id, name })),
  };
}

/** How many workers are in each state (the overview's warning). */
export function countWorkerStates(workers: readonly WorkerRecord[]): Record<WorkerState, number> {
  const counts: Record<WorkerState, number> = { live: 0, stalled: 0, gone: 0 };
  for (const worker of workers) counts[workerStateOf(worker)]++;
  return counts;
}
