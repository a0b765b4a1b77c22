import type { ClaimBuffer } from './claim-buffer.js';

/** What the worker holds now: every count its invariants are about (health, metrics, tests). */
export interface WorkerStatus {
  readonly running: boolean;
  readonly concurrency: number;
  /** Slots taken by running handlers and by hand-overs under way (≤ concurrency). */
  readonly slotsInUse: number;
  /** Handlers running now. */
  readonly runningTasks: number;
  /** Claimed tasks waiting for a slot, and how many may wait now. */
  readonly buffered: number;
  readonly bufferAllowance: number;
  readonly bufferMode: ClaimBuffer['mode'];
  /** Rows this worker holds in `processing`: buffered, running, and endings not stored yet. */
  readonly leasesHeld: number;
  /** Hand-overs under way: enqueues offered a slot whose insert has not answered. */
  readonly offers: number;
  /** When the last claim round answered. */
  readonly lastClaimRoundAt: Date | undefined;
  /**
   * The loop waits for a wake-up: no claim round under way and no wake-up pending. (After the first round
   * a second may follow at once: the LISTEN connection's start, for one, counts as a wake-up.)
   */
  readonly waitingForWork: boolean;
}
