import type { Logger } from '@nestjs/common';
import type { HeldLease, LeaseHolder } from './lease-keeper.js';
import { taskLogFields } from '../task-log-fields.js';

/** How long a claimed task may wait here for a slot, by default (WORKER_PREFETCH_HOLD). */
export const CLAIM_HOLD_MS = 1_000;
/** The most tasks `WORKER_PREFETCH=auto` lets wait for a slot. */
export const AUTO_PREFETCH_MAX = 1_000;
/** The buckets of the start rate's sliding window, one tenth of the hold time each. */
const RATE_BUCKETS = 10;

/**
 * The claim buffer: tasks this worker claimed ahead of its free slots (WORKER_PREFETCH), each waiting for
 * a slot, oldest claim first. Its leases are held and renewed like those of running tasks (LeaseKeeper),
 * and it is their holder: a lost one leaves the buffer, a cancelled one leaves it to be released.
 *
 * Invariant: a buffered task starts, or goes back to the queue, within the hold time of its claim
 * (checked at every heartbeat), so a worker busy with long tasks never sits on work an idle worker
 * could run.
 *
 * Modes and transitions (nothing else changes `mode`):
 *
 *   accepting ──(a task waited past the hold time: it and the others that did go back)──▶ paused
 *   paused    ──(a slot freed up: a run ended)──────────────────────────────────────────▶ accepting
 *   accepting, paused ──(the worker stops: every buffered task goes back)────────────────▶ stopped
 *
 * - accepting: claims may fill the buffer up to `allowance`.
 * - paused: `allowance` is 0: the slots are busy with tasks that take longer than the hold time, so
 *   claiming ahead would only hold work back. Tasks already here may still start.
 * - stopped: final. Nothing is accepted; `add` hands tasks straight back for release.
 *
 * The allowance is WORKER_PREFETCH when it is a number. With `auto` it follows the worker's pace: half
 * the tasks this worker started during the last hold time (at most AUTO_PREFETCH_MAX), so that a task that
 * waits here is, at the same pace, started within about half the hold time. Many short tasks make it
 * grow within a few claim rounds (each round's starts raise it); long tasks keep it at 0; an idle worker's
 * decays to 0 within a hold time, and a worker that holds nothing claims only for its free slots.
 */
export class ClaimBuffer implements LeaseHolder {
  private waiting: { readonly lease: HeldLease; readonly claimedAt: number }[] = [];
  private currentMode: 'accepting' | 'paused' | 'stopped' = 'accepting';
  /** Task starts per tenth of the hold time, the newest last; `bucketStart` is the newest's start time. */
  private readonly starts = new Array<number>(RATE_BUCKETS).fill(0);
  private bucketStart = 0;

  constructor(
    private readonly prefetch: number | 'auto',
    /** Gives back a claim that left the buffer unstarted because its task's cancellation was requested. */
    private readonly release: (lease: HeldLease) => void = () => undefined,
    private readonly logger?: Logger,
    private readonly holdMs = CLAIM_HOLD_MS,
  ) {}

  /** LeaseHolder: the lease of a buffered claim was lost; it simply leaves the buffer. */
  leaseLost(lease: HeldLease): void {
    if (this.remove(lease)) {
      this.logger?.warn(
        `Task ${lease.task.id} (${lease.task.name}): prefetched, but its lease was lost`,
        taskLogFields(lease.task),
      );
    }
  }

  /** LeaseHolder: a buffered task's cancellation was requested; released, the ending statement cancels it. */
  cancelRequested(lease: HeldLease): void {
    if (this.remove(lease)) this.release(lease);
  }

  get mode(): 'accepting' | 'paused' | 'stopped' {
    return this.currentMode;
  }

  get size(): number {
    return this.waiting.length;
  }

  /** How many claimed tasks may wait for a slot now (see the class comment). */
  allowance(now = Date.now()): number {
    if (this.currentMode !== 'accepting') return 0;
    if (this.prefetch !== 'auto') return this.prefetch;
    this.rotate(now);
    const started = this.starts.reduce((sum, count) => sum + count, 0);
    return Math.min(AUTO_PREFETCH_MAX, Math.floor(started / 2));
  }

  /** Buffers the leases a claim round took, in the order given; returns those refused (it is stopped). */
  add(leases: readonly HeldLease[], now = Date.now()): readonly HeldLease[] {
    if (this.currentMode === 'stopped') return leases;
    for (const lease of leases) this.waiting.push({ lease, claimedAt: now });
    return [];
  }

  /** The oldest buffered claim, to start in a slot just acquired. */
  take(now = Date.now()): HeldLease | undefined {
    const next = this.waiting.shift();
    if (next) this.recordStart(now);
    return next?.lease;
  }

  /** Counts a start that did not come from the buffer (a hand-over), for the auto allowance. */
  recordStart(now = Date.now()): void {
    this.rotate(now);
    this.starts[RATE_BUCKETS - 1]++;
  }

  /** Removes a claim (its lease was lost, or its cancellation requested); whether it was here. */
  remove(lease: HeldLease): boolean {
    const index = this.waiting.findIndex((entry) => entry.lease === lease);
    if (index >= 0) this.waiting.splice(index, 1);
    return index >= 0;
  }

  /** The claims that waited past the hold time, to release; any of them pauses the buffer. */
  takeExpired(now = Date.now()): HeldLease[] {
    const cutoff = now - this.holdMs;
    let count = 0;
    while (count < this.waiting.length && this.waiting[count].claimedAt < cutoff) count++;
    if (count === 0) return [];
    if (this.currentMode === 'accepting') this.currentMode = 'paused';
    return this.waiting.splice(0, count).map((entry) => entry.lease);
  }

  /** A run ended and its slot is free: a paused buffer accepts again. */
  slotFreed(): void {
    if (this.currentMode === 'paused') this.currentMode = 'accepting';
  }

  /** The worker stops: returns every buffered claim, to release, and accepts nothing more. */
  stop(): HeldLease[] {
    this.currentMode = 'stopped';
    return this.waiting.splice(0).map((entry) => entry.lease);
  }

  /** Moves the start-rate window forward to `now`, dropping the buckets that fell out of it. */
  private rotate(now: number): void {
    const width = this.holdMs / RATE_BUCKETS;
    const elapsed = Math.floor((now - this.bucketStart) / width);
    if (elapsed <= 0) return;
    const shift = Math.min(elapsed, RATE_BUCKETS);
    this.starts.copyWithin(0, shift);
    this.starts.fill(0, RATE_BUCKETS - shift);
    this.bucketStart += elapsed * width;
  }
}

/** What the claim limit depends on, read from the worker's parts. */
export interface ClaimRoom {
  readonly concurrency: number;
  readonly batchSize: number;
  /** The buffer's allowance now. */
  readonly allowance: number;
  readonly freeSlots: number;
  readonly buffered: number;
  /** Leases held, plus those that hand-overs and the claim round under way may bring. */
  readonly leasesPromised: number;
}

/**
 * How many tasks a claim round takes now: one per free slot no buffered task waits for, plus the buffer's
 * allowance, within the lease budget (concurrency + allowance) and BatchSize. While every slot is busy the
 * buffer is topped up only once half of its allowance is used, so that claims stay batches.
 */
export function claimLimit(room: ClaimRoom): number {
  const { concurrency, batchSize, allowance, freeSlots, buffered, leasesPromised } = room;
  const budget = concurrency + allowance - leasesPromised;
  if (budget <= 0) return 0;
  if (freeSlots > buffered) return Math.min(batchSize, budget);
  if (allowance === 0) return 0;
  return budget >= Math.min(batchSize, Math.ceil(allowance / 2)) ? Math.min(batchSize, budget) : 0;
}
