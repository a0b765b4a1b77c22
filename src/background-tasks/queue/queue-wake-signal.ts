import { Injectable } from '@nestjs/common';

/**
 * Wakes the worker loop of this process: an enqueue here, a NOTIFY from another process, or a slot
 * becoming free. Signals that arrive while nobody waits are kept, so a wake-up is never lost between
 * a claim round and the next wait.
 */
@Injectable()
export class QueueWakeSignal {
  private pending = false;
  private wakeWaiter: (() => void) | undefined;

  /** Whether someone waits now, with no signal pending (the worker loop is parked). */
  get waiting(): boolean {
    return this.wakeWaiter !== undefined;
  }

  notify(): void {
    this.pending = true;
    this.wakeWaiter?.();
  }

  /** Resolves at the next signal (at once if one is pending), or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeWaiter = undefined;
        this.pending = false;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.wakeWaiter = done;
    });
  }
}
