import { QueryFailedError } from 'typeorm';
import {
  OutcomeUnknownError,
  RETRY_DELAYS_MS,
  transientFailure,
  withTransientRetries,
} from './sqlserver-transient-errors.js';

/**
 * Errors as TypeORM hands them over: a QueryFailedError around mssql's error, a RequestError carrying the
 * server's error number or a ConnectionError carrying mssql's code (built here with the same fields).
 */
const serverError = (number: number) =>
  new QueryFailedError(
    'UPDATE …',
    [],
    Object.assign(new Error(`error ${number}`), { code: 'EREQUEST', number }),
  );
const droppedConnection = (code: string) =>
  new QueryFailedError('UPDATE …', [], Object.assign(new Error(`connection ${code}`), { code }));

/** An attempt that fails with the given errors, then answers 'stored'. */
function failing(...errors: Error[]) {
  let calls = 0;
  const attempt = () => {
    calls++;
    const error = errors.shift();
    return error === undefined ? Promise.resolve('stored') : Promise.reject(error);
  };
  return { attempt, calls: () => calls };
}

const noSleep = () => Promise.resolve();

describe('SQL Server transient failures', () => {
  it('tells a deadlock victim, which the server rolled back, from failures that leave the outcome unknown', () => {
    expect(transientFailure(serverError(1205))).toBe('rolled back');
    expect(transientFailure(serverError(40613))).toBe('outcome unknown');
    expect(transientFailure(serverError(40197))).toBe('outcome unknown');
    for (const code of ['ECONNCLOSED', 'ESOCKET', 'ECONNRESET'])
      expect(transientFailure(droppedConnection(code))).toBe('outcome unknown');
    // A constraint violation, a syntax error or a timeout are no reason to try again.
    expect(transientFailure(serverError(2627))).toBeUndefined();
    expect(transientFailure(serverError(102))).toBeUndefined();
    expect(transientFailure(droppedConnection('ETIMEOUT'))).toBeUndefined();
    expect(transientFailure(new Error('plain'))).toBeUndefined();
  });

  it('sends any statement again after a deadlock, with a pause before each try', async () => {
    const { attempt, calls } = failing(serverError(1205), serverError(1205));
    const pauses: number[] = [];
    const sleep = (ms: number) => {
      pauses.push(ms);
      return Promise.resolve();
    };
    await expect(withTransientRetries('claim', 'if rolled back', attempt, sleep)).resolves.toBe('stored');
    expect(calls()).toBe(3);
    expect(pauses).toEqual(RETRY_DELAYS_MS.slice(0, 2));
  });

  it('sends an idempotent statement again after a dropped connection or a failover', async () => {
    const { attempt, calls } = failing(droppedConnection('ESOCKET'), serverError(40613));
    await expect(withTransientRetries('renewLeases', 'always', attempt, noSleep)).resolves.toBe('stored');
    expect(calls()).toBe(3);
  });

  it('does not repeat a write whose outcome is unknown when a repeat is not safe, and says so', async () => {
    const { attempt, calls } = failing(droppedConnection('ECONNRESET'));
    const failure = withTransientRetries('insert', 'if rolled back', attempt, noSleep);
    await expect(failure).rejects.toBeInstanceOf(OutcomeUnknownError);
    await expect(failure).rejects.toThrow(
      /SQL Server failed during insert \(.*connection ECONNRESET\); it may or may not have been stored/,
    );
    expect(calls()).toBe(1);
  });

  it('gives up after the last retry with the server error itself, and passes other errors through at once', async () => {
    const deadlocks = failing(...RETRY_DELAYS_MS.map(() => serverError(1205)), serverError(1205));
    await expect(withTransientRetries('finish', 'always', deadlocks.attempt, noSleep)).rejects.toThrow(
      'error 1205',
    );
    expect(deadlocks.calls()).toBe(RETRY_DELAYS_MS.length + 1);
    const violation = failing(serverError(2627));
    await expect(withTransientRetries('insert', 'always', violation.attempt, noSleep)).rejects.toThrow(
      'error 2627',
    );
    expect(violation.calls()).toBe(1);
  });
});
