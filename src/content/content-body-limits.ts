import type { JsonBodyLimit } from '../shared/http/json-bodies.js';
import { MAX_ITEM_LENGTH } from './model/content-type.js';

const MB = 1024 * 1024;

/**
 * The largest body a valid item can be sent in: every one of its MAX_ITEM_LENGTH characters written the
 * longest way JSON allows (a `\uXXXX` escape, 6 bytes per UTF-16 unit), and at least 1 MB for the field
 * names, numbers, punctuation and whitespace, rounded up to whole megabytes (7 MB). So the limit follows
 * the content model: an item the API or a CSV import accepts can always be sent back with PUT, whatever
 * its characters.
 */
export const ITEM_BODY_MAX_BYTES = Math.ceil((6 * MAX_ITEM_LENGTH + MB) / MB) * MB;

/** The routes that take an item's values; every other route keeps the default JSON body limit. */
export const CONTENT_BODY_LIMITS: JsonBodyLimit = {
  paths: ['/api/content-types/:developerName/items', '/api/content-items'],
  maxBytes: ITEM_BODY_MAX_BYTES,
};
