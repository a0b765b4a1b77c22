/**
 * The PostgreSQL channel that carries task changes between processes, and its payload format:
 * `<origin> <id>,<id>,…` or `<origin> *` ("more changed than a notification holds: re-read what you
 * watch"). A process recognises its own notifications by the origin and skips them.
 */
export const taskChangeChannel = (schema: string) => `${schema}.task_changes`;

/** PostgreSQL refuses payloads of 8000 bytes or more; ids are ASCII, so characters are bytes. */
const MAX_PAYLOAD = 7_900;
/** More notifications than this per flush would cost more than the readers' re-read of what they watch. */
const MAX_PAYLOADS_PER_FLUSH = 5;

export const ALL_TASKS = '*';

/** The notification payloads for one flush of changed ids: as few as fit, or one `*` past the limit. */
export function encodeTaskChanges(origin: string, ids: readonly string[]): string[] {
  const payloads: string[] = [];
  let current = '';
  for (const id of ids) {
    if (current && origin.length + 1 + current.length + 1 + id.length > MAX_PAYLOAD) {
      payloads.push(`${origin} ${current}`);
      current = '';
      if (payloads.length === MAX_PAYLOADS_PER_FLUSH) return [`${origin} ${ALL_TASKS}`];
    }
    current = current ? `${current},${id}` : id;
  }
  if (current) payloads.push(`${origin} ${current}`);
  return payloads;
}

export interface DecodedTaskChanges {
  readonly origin: string;
  /** The changed ids, or `*` when too many changed to list. */
  readonly ids: readonly string[] | typeof ALL_TASKS;
}

const ID = /^[0-9a-f-]{36}$/;

/** Undefined for a payload this format does not describe (it is ignored, not trusted). */
export function decodeTaskChanges(payload: string): DecodedTaskChanges | undefined {
  const space = payload.indexOf(' ');
  if (space <= 0) return undefined;
  const origin = payload.slice(0, space);
  const rest = payload.slice(space + 1);
  if (rest === ALL_TASKS) return { origin, ids: ALL_TASKS };
  const ids = rest.split(',');
  return ids.every((id) => ID.test(id)) ? { origin, ids } : undefined;
}
