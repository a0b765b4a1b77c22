import { InvalidItemQueryError } from '../../content.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface ItemCursor {
  readonly key: string | number;
  readonly id: string;
}

/** An opaque cursor: the sort key and id of the last item of a page. */
export function encodeItemCursor(cursor: ItemCursor): string {
  return Buffer.from(JSON.stringify([cursor.key, cursor.id])).toString('base64url');
}

export function decodeItemCursor(text: string): ItemCursor {
  const invalid = () =>
    new InvalidItemQueryError('cursor is not valid: pass the nextCursor of a previous page');
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw invalid();
  const [key, id] = decoded as unknown[];
  const keyOk =
    (typeof key === 'string' && !key.includes('\u0000')) || (typeof key === 'number' && Number.isFinite(key));
  if (!keyOk || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return { key: key, id };
}
