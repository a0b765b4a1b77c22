/**
 * A promise-based mutex: `run` calls wait for the previous one to settle, in call order. The worker uses
 * one to serialize its claim rounds, and another to keep lease renewals and endings of the same rows from
 * overlapping (two multi-row UPDATEs locking rows in different orders could deadlock on PostgreSQL).
 */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
