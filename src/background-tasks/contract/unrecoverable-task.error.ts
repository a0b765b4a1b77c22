/**
 * Thrown by a task to fail at once, without the retries a failure normally gets: the input is invalid, the
 * thing it works on is gone, retrying cannot help.
 */
export class UnrecoverableTaskError extends Error {
  override readonly name: string = 'UnrecoverableTaskError';

  constructor(
    message: string,
    /** A stable code stored with the error, for clients to branch on. */
    readonly code?: string,
  ) {
    super(message);
  }
}
