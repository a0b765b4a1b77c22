import { TaskErrorCode } from '../contract/task-error-codes.js';

/** An error as stored in the task row: enough for a client, without the stack (that goes to the logs). */
export interface StoredError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** Longest message kept from a thrown error; the log has the whole of it. */
const MAX_MESSAGE_LENGTH = 10_000;

/** Text every engine stores unchanged: cut to `max` characters, well-formed, without NUL. */
export function storableText(text: string, max = MAX_MESSAGE_LENGTH): string {
  return text.slice(0, max).toWellFormed().replaceAll('\u0000', '');
}

/**
 * Describes whatever a task threw, without ever throwing itself: an Error gives its name, message and a
 * string `code`; anything else (null, undefined, a string, a BigInt, an object whose getters throw, a
 * Proxy) is recorded under NON_ERROR_THROWN with a short preview of what it was.
 */
export function describeThrown(thrown: unknown): StoredError {
  try {
    if (thrown instanceof Error) {
      const name = readText(() => thrown.name) ?? 'Error';
      const message = readText(() => thrown.message) ?? '(the message could not be read)';
      const code = readText(() => (thrown as { code?: unknown }).code);
      return code === undefined ? { name, message } : { name, message, code };
    }
  } catch {
    // `instanceof` on a Proxy whose getPrototypeOf trap throws: not an Error we can read.
  }
  return {
    name: 'Error',
    code: TaskErrorCode.NON_ERROR_THROWN,
    message: `The task threw ${preview(thrown)} instead of an Error`,
  };
}

/** The stack of a thrown Error, for the log; undefined when there is none or it cannot be read. */
export function stackOf(thrown: unknown): string | undefined {
  return readText(() => (thrown instanceof Error ? thrown.stack : undefined));
}

function readText(read: () => unknown): string | undefined {
  try {
    const value = read();
    return typeof value === 'string' ? storableText(value) : undefined;
  } catch {
    return undefined;
  }
}

/** What a value was, in a few words, whatever it is. */
export function preview(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return `the string ${JSON.stringify(storableText(value, 200))}`;
    case 'bigint':
      return `the BigInt ${value}n`;
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    case 'object': {
      if (value === null) return 'null';
      try {
        const json = JSON.stringify(value);
        if (json !== undefined) return `the object ${storableText(json, 200)}`;
      } catch {
        // A cycle, a BigInt inside, or a getter that throws.
      }
      return 'an object';
    }
    default:
      return String(value); // undefined, a number, a boolean
  }
}
