export const FIELD_TYPES = ['text', 'long_text', 'number', 'boolean', 'date', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A name used in URLs, JSON keys and CSV headers: lower-case, digits and underscores, starting with a letter. */
export const DEVELOPER_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Columns every CSV export starts with; no field may take one of these names. */
export const SYSTEM_COLUMNS = ['id', 'createdAt', 'updatedAt'] as const;

/**
 * Names no field may take: Nest's ValidationPipe deletes the keys `constructor` and `prototype` from
 * every request body, at any depth (its guard against prototype pollution, as class-transformer's), so
 * an item could never be sent a value for such a field.
 */
export const RESERVED_FIELD_NAMES = ['constructor', 'prototype'] as const;

export const MAX_TEXT_LENGTH = 1_000;
export const MAX_LONG_TEXT_LENGTH = 100_000;
export const MAX_FIELDS = 200;
/**
 * The characters of text (UTF-16 units, as the field limits count them) an item holds in all its fields
 * together. It bounds what one item costs to read, write and export, and what an item's request body can be
 * (see ITEM_BODY_MAX_BYTES); a CSV record of such an item stays within the importer's 4 MB record limit.
 */
export const MAX_ITEM_LENGTH = 1_000_000;

export interface FieldDefinition {
  readonly developerName: string;
  readonly label: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** The allowed values of a `choice` field, in display order. */
  readonly choices?: readonly string[];
}

export interface ContentType {
  readonly id: string;
  readonly developerName: string;
  readonly labelSingular: string;
  readonly labelPlural: string;
  readonly description: string | null;
  /** In their defined order, which is also the column order of an export. */
  readonly fields: readonly FieldDefinition[];
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export function fieldOf(type: ContentType, developerName: string): FieldDefinition | undefined {
  return type.fields.find((field) => field.developerName === developerName);
}

/** Fields whose values are free text, which CSV exports guard against formula injection. */
export function holdsText(field: FieldDefinition): boolean {
  return field.type === 'text' || field.type === 'long_text' || field.type === 'choice';
}
