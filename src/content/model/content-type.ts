export const FIELD_TYPES = ['text', 'long_text', 'number', 'boolean', 'date', 'choice'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** A name used in URLs, JSON keys and CSV headers: lower-case, digits and underscores, starting with a letter. */
export const DEVELOPER_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** Columns every CSV export starts with; no field may take one of these names. */
export const SYSTEM_COLUMNS = ['id', 'createdAt', 'updatedAt'] as const;

export const MAX_TEXT_LENGTH = 1_000;
export const MAX_LONG_TEXT_LENGTH = 100_000;
export const MAX_FIELDS = 200;

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
