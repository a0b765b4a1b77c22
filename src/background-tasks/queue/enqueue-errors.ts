/** A programming error in a call to `enqueue`: the message says what to fix. */
export class EnqueueError extends Error {
  override readonly name = 'EnqueueError';
}
