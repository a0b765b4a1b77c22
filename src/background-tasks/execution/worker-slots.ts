/** Gives a slot back. Idempotent: a second call does nothing, so `finally` blocks may always call it. */
export type SlotRelease = () => void;

/**
 * The worker's concurrency slots: WORKER_CONCURRENCY handlers at most, whatever they do.
 *
 * Invariant: `inUse` ≤ `capacity`, always. A slot is taken by `tryAcquire` (a run about to start, or an
 * enqueue that was offered a free slot for its hand-over) and given back by the release function it
 * returns, exactly once however often that function is called. Holders call it in a `finally`, so a
 * handler that throws, rejects with something strange or is abandoned still gives its slot back.
 */
export class WorkerSlots {
  private used = 0;

  constructor(readonly capacity: number) {}

  get inUse(): number {
    return this.used;
  }

  get free(): number {
    return this.capacity - this.used;
  }

  /** A slot, or undefined when all are taken. */
  tryAcquire(): SlotRelease | undefined {
    if (this.used >= this.capacity) return undefined;
    this.used++;
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.used--;
    };
  }
}
