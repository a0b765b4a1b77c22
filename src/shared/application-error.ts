/** What kind of expected failure an error is; the HTTP layer maps each kind to one status code. */
export type ApplicationErrorKind =
  'invalid' | 'forbidden' | 'not-found' | 'conflict' | 'too-large' | 'too-many';

/**
 * An expected failure of a use case, with a stable code clients can rely on (`BACKGROUND_TASK.NOT_FOUND`)
 * and a message a person can act on. Command and query handlers throw these; they never see HTTP.
 */
export abstract class ApplicationError extends Error {
  abstract readonly code: string;
  abstract readonly kind: ApplicationErrorKind;
}
