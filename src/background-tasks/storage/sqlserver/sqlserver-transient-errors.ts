/**
 * Which SQL Server failures are worth a second try, and when a second try is safe.
 *
 * - A deadlock victim (1205): the server rolled the victim's statement back, so any statement can be sent
 *   again, and the next try usually wins.
 * - The database moving or restarting (40613 "not currently available", 40197 "error processing your
 *   request", both from Azure SQL failovers) and a dropped connection: the statement may or may not have
 *   committed. Only a statement that leaves the same state however often it runs may be sent again.
 *
 * Nothing is repeated inside a caller's transaction: a deadlock ends the whole transaction, which only the
 * caller can run again.
 */
export type TransientFailure = 'rolled back' | 'outcome unknown';

/** How a statement may be repeated: always (a read, or a write that is idempotent), or only when rolled back. */
export type Repeatable = 'always' | 'if rolled back';

const ROLLED_BACK = new Set([1205]);
const OUTCOME_UNKNOWN_NUMBERS = new Set([40613, 40197]);
/** mssql's codes for a connection that closed or failed under a request. */
const DROPPED_CONNECTION_CODES = new Set(['ECONNCLOSED', 'ESOCKET', 'ECONNRESET']);

interface DriverErrorShape {
  number?: number;
  code?: string;
  originalError?: DriverErrorShape;
}

/** The failure class of an error thrown by TypeORM's mssql driver, or undefined for any other error. */
export function transientFailure(error: unknown): TransientFailure | undefined {
  const driverError =
    (error as { driverError?: DriverErrorShape }).driverError ?? (error as DriverErrorShape);
  for (const candidate of [driverError, driverError?.originalError]) {
    if (!candidate) continue;
    if (candidate.number !== undefined && ROLLED_BACK.has(candidate.number)) return 'rolled back';
    if (candidate.number !== undefined && OUTCOME_UNKNOWN_NUMBERS.has(candidate.number))
      return 'outcome unknown';
    if (candidate.code !== undefined && DROPPED_CONNECTION_CODES.has(candidate.code))
      return 'outcome unknown';
  }
  return undefined;
}

/** A write failed in a way that leaves unknown whether it was stored, and repeating it is not safe. */
export class OutcomeUnknownError extends Error {
  constructor(statement: string, cause: unknown) {
    super(
      `SQL Server failed during ${statement} (${cause instanceof Error ? cause.message : String(cause)}); ` +
        'it may or may not have been stored, and it was not sent again because repeating it is not safe',
      { cause },
    );
    this.name = 'OutcomeUnknownError';
  }
}

/** Tries after the first one, and the pause before each: short, as a failover or a deadlock is. */
export const RETRY_DELAYS_MS = [50, 250, 1_000] as const;

/**
 * Runs `attempt` and repeats it after a transient failure where `repeatable` allows, up to
 * RETRY_DELAYS_MS.length more times. `sleep` is a parameter so tests need no clock.
 */
export async function withTransientRetries<T>(
  statement: string,
  repeatable: Repeatable,
  attempt: () => Promise<T>,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt();
    } catch (error) {
      const failure = transientFailure(error);
      if (failure === undefined) throw error;
      if (failure === 'outcome unknown' && repeatable !== 'always')
        throw new OutcomeUnknownError(statement, error);
      if (retry >= RETRY_DELAYS_MS.length) throw error;
      await sleep(RETRY_DELAYS_MS[retry]);
    }
  }
}
