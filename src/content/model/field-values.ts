import type { FieldValue, FieldValues } from './content-item.js';
import { isStorableText } from '../../shared/text/storable-text.js';
import {
  MAX_ITEM_LENGTH,
  MAX_LONG_TEXT_LENGTH,
  MAX_TEXT_LENGTH,
  type ContentType,
  type FieldDefinition,
} from './content-type.js';

/** One thing wrong with one field of one item. */
export interface FieldProblem {
  readonly field: string;
  readonly message: string;
}

export type ValuesCheck =
  | { readonly ok: true; readonly values: FieldValues }
  | { readonly ok: false; readonly problems: FieldProblem[] };

const STORABLE_TEXT_PROBLEM = 'must be well-formed text: no NUL character (\\u0000) and no lone surrogate';
const count = new Intl.NumberFormat('en-US');

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const NUMBER = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // unlike Date.UTC, keeps years 0-99 as they are
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** Checks one value of the JSON API against its field; returns the value to store or a problem. */
function checkValue(field: FieldDefinition, value: unknown): { value: FieldValue } | { problem: string } {
  if (value === undefined || value === null || value === '') {
    return field.required ? { problem: 'is required' } : { value: null };
  }
  switch (field.type) {
    case 'text':
    case 'long_text': {
      if (typeof value !== 'string') return { problem: 'must be a string' };
      // The rule of every text the API takes (isStorableText): PostgreSQL would refuse the value with a 500,
      // SQLite and SQL Server would change it silently.
      if (!isStorableText(value)) return { problem: STORABLE_TEXT_PROBLEM };
      const max = field.type === 'text' ? MAX_TEXT_LENGTH : MAX_LONG_TEXT_LENGTH;
      return value.length > max ? { problem: `must be at most ${max} characters` } : { value };
    }
    case 'number':
      // -0 would come back from JSON as 0: store 0.
      return typeof value === 'number' && Number.isFinite(value)
        ? { value: value === 0 ? 0 : value }
        : { problem: 'must be a finite number' };
    case 'boolean':
      return typeof value === 'boolean' ? { value } : { problem: 'must be true or false' };
    case 'date':
      return typeof value === 'string' && isCalendarDate(value)
        ? { value }
        : { problem: 'must be a date written YYYY-MM-DD' };
    case 'choice':
      return typeof value === 'string' && (field.choices ?? []).includes(value)
        ? { value }
        : { problem: `must be one of: ${(field.choices ?? []).join(', ')}` };
  }
}

/**
 * Validates values sent to the API against a content type: every field is checked, unknown keys are
 * refused, and an empty string or a missing value becomes null (a CMS field is either set or not).
 * Values are read as own properties only: a type made before `constructor` was reserved may have such a
 * field, and every object inherits a `constructor`.
 */
export function checkValues(type: ContentType, input: Record<string, unknown>): ValuesCheck {
  const problems: FieldProblem[] = [];
  const known = new Set(type.fields.map((field) => field.developerName));
  for (const key of Object.keys(input)) {
    if (!known.has(key)) problems.push({ field: key, message: `is not a field of ${type.developerName}` });
  }
  const values: Record<string, FieldValue> = {};
  let length = 0;
  for (const field of type.fields) {
    const name = field.developerName;
    const checked = checkValue(field, Object.hasOwn(input, name) ? input[name] : undefined);
    if ('problem' in checked) problems.push({ field: name, message: checked.problem });
    else {
      values[name] = checked.value;
      if (typeof checked.value === 'string') length += checked.value.length;
    }
  }
  if (length > MAX_ITEM_LENGTH) {
    problems.push({
      field: 'values',
      message: `hold ${count.format(length)} characters of text together, more than the ${count.format(MAX_ITEM_LENGTH)} an item may hold`,
    });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, values };
}

/**
 * Reads one CSV cell as a field's JSON value, the inverse of the export's formatting: numbers as decimal
 * text, booleans as true/false, an empty cell as no value. Anything unreadable is passed through as text, so
 * that `checkValue` reports it with the field's own message.
 */
export function cellToValue(field: FieldDefinition, cell: string): unknown {
  if (cell === '') return null;
  switch (field.type) {
    case 'number':
      return NUMBER.test(cell.trim()) ? Number(cell.trim()) : cell;
    case 'boolean': {
      const lower = cell.trim().toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : cell;
    }
    default:
      return cell;
  }
}

/** An item's value of a field, read as an own property (see checkValues: a field named `constructor`). */
export function fieldValue(values: FieldValues, developerName: string): FieldValue | undefined {
  return Object.hasOwn(values, developerName) ? values[developerName] : undefined;
}

/** Formats a value for a CSV cell: the export's side of `cellToValue`. */
export function valueToCell(value: FieldValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

const MAX_SEARCH_TEXT = 10_000;

/** The lower-cased text of an item's text fields, which the list's `search` looks in. */
export function searchTextOf(type: ContentType, values: FieldValues): string {
  const parts: string[] = [];
  for (const field of type.fields) {
    const value = fieldValue(values, field.developerName);
    if (typeof value === 'string' && field.type !== 'date') parts.push(value);
  }
  return parts.join('\n').toLowerCase().slice(0, MAX_SEARCH_TEXT);
}
