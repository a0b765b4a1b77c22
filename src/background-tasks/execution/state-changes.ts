/**
 * Lets the worker wait for a condition on its own state (no offer under way, no run left) without polling:
 * every change that could make one true calls `changed()`, and `until` checks its condition then.
 */
export class StateChanges {
  private readonly waiters = new Set<() => void>();

  changed(): void {
    for (const check of this.waiters) check();
  }

  /** Resolves once `condition` holds (checked at every change) or at `deadline`, whichever is first. */
  until(condition: () => boolean, deadline: number): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const check = () => condition() && done();
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      this.waiters.add(check);
    });
  }
}
