import type { ContentItem } from '../model/content-item.js';
import { holdsText, SYSTEM_COLUMNS, type FieldDefinition } from '../model/content-type.js';
import { fieldValue, valueToCell } from '../model/field-values.js';
import { csvRecords } from './csv-writer.js';
import { neutralizeFormula } from './formula-guard.js';

/** Spreadsheets read a file as UTF-8 when it starts with a byte-order mark; without it Excel guesses. */
export const UTF8_BOM = '\uFEFF';

/** The header of an export: the item's id and timestamps, then the fields in their defined order. */
export function csvHeader(fields: readonly FieldDefinition[]): string {
  return csvRecords([[...SYSTEM_COLUMNS, ...fields.map((field) => field.developerName)]]);
}

/** Item rows as CSV. Text values that a spreadsheet would evaluate are neutralized (see formula-guard.ts). */
export function csvRows(items: readonly ContentItem[], fields: readonly FieldDefinition[]): string {
  const records = items.map((item) => [
    item.id,
    item.createdAt.toISOString(),
    item.updatedAt.toISOString(),
    ...fields.map((field) => {
      const cell = valueToCell(fieldValue(item.values, field.developerName));
      return holdsText(field) ? neutralizeFormula(cell) : cell;
    }),
  ]);
  return csvRecords(records);
}
