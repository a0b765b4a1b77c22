import type { ContentType, FieldDefinition } from '../model/content-type.js';
import { CsvFileError } from './csv-records.js';

/** Where each known column of an import file is. */
export interface ImportColumns {
  /** The `id` column, if the file has one (used by upserts). */
  readonly id: number | undefined;
  readonly fields: readonly { readonly index: number; readonly field: FieldDefinition }[];
}

const IGNORED = new Set(['createdAt', 'updatedAt']);
const SHOWN = 5;

function listed(names: string[]): string {
  const shown = names.slice(0, SHOWN).map((name) => JSON.stringify(name.slice(0, 40)));
  return names.length > SHOWN ? `${shown.join(', ')} and ${names.length - SHOWN} more` : shown.join(', ');
}

/**
 * Maps an import file's header onto a content type: the columns an export writes (`id`, `createdAt`,
 * `updatedAt`, then the fields), in any order, with optional fields allowed to be left out. Anything else
 * is an error on line 1, so that a wrong file imports nothing.
 */
export function importColumns(type: ContentType, header: readonly string[]): ImportColumns {
  const problems: string[] = [];
  const byName = new Map(type.fields.map((field) => [field.developerName, field]));
  const seen = new Set<string>();
  const unknown: string[] = [];
  const fields: { index: number; field: FieldDefinition }[] = [];
  let id: number | undefined;
  header.forEach((name, index) => {
    if (seen.has(name)) problems.push(`the column ${JSON.stringify(name)} appears twice`);
    seen.add(name);
    const field = byName.get(name);
    if (field) fields.push({ index, field });
    else if (name === 'id') id = index;
    else if (!IGNORED.has(name)) unknown.push(name);
  });
  if (unknown.length > 0) {
    problems.push(
      `the header has ${unknown.length === 1 ? 'a column' : `${unknown.length} columns`} that ${type.developerName} ` +
        `does not have: ${listed(unknown)}`,
    );
  }
  const missing = type.fields.filter((field) => field.required && !seen.has(field.developerName));
  if (missing.length > 0) {
    problems.push(
      `the header lacks the required field${missing.length > 1 ? 's' : ''} ${listed(missing.map((f) => f.developerName))}`,
    );
  }
  if (problems.length > 0) throw new CsvFileError(1, problems.join('; '));
  return { id, fields };
}
