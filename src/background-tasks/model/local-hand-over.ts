import type { ClaimedTask, LeaseRequest } from './task-records.js';

/** A free slot offered to a task this process is enqueueing: see QueuedHostedService.offerSlot. */
export interface SlotOffer {
  /** The lease the task is inserted with when nothing waits ahead of it. */
  readonly lease: LeaseRequest;
  /** Runs the task, inserted already leased to this worker. */
  start(task: ClaimedTask): void;
  /** Gives the slot back: the task went to the queue (or the insert failed). */
  decline(): void;
}

/**
 * The worker's side of the hand-over, as the queue sees it: a free slot for a task being enqueued here, or
 * undefined. Injected by token (the worker provides it), so that queue/ and execution/ need not import each
 * other.
 */
export interface LocalHandOver {
  offerSlot(name: string): SlotOffer | undefined;
}

export const LOCAL_HAND_OVER = Symbol('LocalHandOver');
