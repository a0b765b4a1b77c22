import { readDate, readId, readJson } from '../../database/row-readers.js';
import type { ContentItem, FieldValues } from '../model/content-item.js';
import type { ContentType, FieldDefinition } from '../model/content-type.js';

type Row = Record<string, unknown>;

export function toContentType(row: Row): ContentType {
  return {
    id: readId(row.id),
    developerName: String(row.developer_name),
    labelSingular: String(row.label_singular),
    labelPlural: String(row.label_plural),
    description: typeof row.description === 'string' ? row.description : null,
    fields: readJson(row.fields) as FieldDefinition[],
    createdAt: readDate(row.created_at)!,
    updatedAt: readDate(row.updated_at)!,
  };
}

export function toContentItem(row: Row): ContentItem {
  return {
    id: readId(row.id),
    contentTypeId: readId(row.content_type_id),
    values: readJson(row.field_values) as FieldValues,
    createdAt: readDate(row.created_at)!,
    updatedAt: readDate(row.updated_at)!,
  };
}
