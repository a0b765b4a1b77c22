import { formatBytes } from '../../shared/text/format-bytes.js';
import { isStorableJsonText } from '../../shared/text/storable-text.js';

/** The JSON text stored for a value, or why it cannot be stored. */
export type EncodedJson =
  | { readonly ok: true; readonly json: string }
  | {
      readonly ok: false;
      /** `not-storable`: JSON cannot hold it (a BigInt, a cycle) or it holds a lone surrogate or a NUL. */
      readonly problem: 'not-storable' | 'too-large';
      /** A sentence for people: what is wrong, and the limit when it is the size. */
      readonly reason: string;
    };

/**
 * Encodes a task's metadata, checkpoint, result or error as the JSON text every engine stores unchanged,
 * within `maxBytes` of UTF-8. `undefined` (and anything JSON drops, such as a function) is stored as null.
 *
 * Every value a handler hands over passes through here before it reaches a statement, so that a value the
 * database would refuse fails its own task with a clear code instead of failing the statement it shares
 * with other tasks' endings.
 */
export function encodeTaskJson(value: unknown, maxBytes: number): EncodedJson {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    // A BigInt, a cycle, or a toJSON() that throws.
    return { ok: false, problem: 'not-storable', reason: `JSON cannot hold it (${describeCause(error)})` };
  }
  json ??= 'null';
  // A UTF-8 character takes at most 3 bytes per UTF-16 code unit: short texts need no count.
  if (json.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(json);
    if (bytes > maxBytes) {
      return {
        ok: false,
        problem: 'too-large',
        reason: `it is ${formatBytes(bytes)} of JSON, more than the ${formatBytes(maxBytes)} a task may store (TASK_PAYLOAD_MAX_SIZE)`,
      };
    }
  }
  if (!isStorableJsonText(json)) {
    return {
      ok: false,
      problem: 'not-storable',
      reason: 'it holds a NUL character or a lone surrogate, which no database stores unchanged',
    };
  }
  return { ok: true, json };
}

function describeCause(error: unknown): string {
  try {
    return error instanceof Error ? error.message : String(error);
  } catch {
    return 'an unreadable error';
  }
}
