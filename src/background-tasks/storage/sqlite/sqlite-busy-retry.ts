const DEADLINE_MS = 10_000;

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Runs a synchronous better-sqlite3 statement, retrying while another connection holds the write lock.
 *
 * The queue's connection has busy_timeout = 0 and waits here instead, asynchronously: SQLite's own busy
 * handler sleeps inside the call and would block the event loop, and the lock holder may be a transaction
 * of this very process (TypeORM's connection) that can only finish when the event loop runs. A statement
 * that failed with SQLITE_BUSY changed nothing, so running it again is safe.
 */
export async function retryWhileBusy<T>(statement: () => T): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return statement();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      const delayMs = Math.min(50, 2 ** attempt) * (0.5 + Math.random());
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
