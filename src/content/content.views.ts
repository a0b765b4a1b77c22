import type { ContentItem, FieldValues } from './model/content-item.js';
import type { ContentType, FieldDefinition } from './model/content-type.js';

export class ContentTypeView {
  declare readonly id: string;
  declare readonly developerName: string;
  declare readonly labelSingular: string;
  declare readonly labelPlural: string;
  declare readonly description: string | null;
  declare readonly fields: readonly FieldDefinition[];
  declare readonly createdAt: string;
  declare readonly updatedAt: string;
}

export class ContentItemView {
  declare readonly id: string;
  /** The developer name of the item's content type. */
  declare readonly contentType: string;
  declare readonly values: FieldValues;
  declare readonly createdAt: string;
  declare readonly updatedAt: string;
}

export function toContentTypeView(type: ContentType): ContentTypeView {
  return { ...type, createdAt: type.createdAt.toISOString(), updatedAt: type.updatedAt.toISOString() };
}

export function toContentItemView(item: ContentItem, type: ContentType): ContentItemView {
  return {
    id: item.id,
    contentType: type.developerName,
    values: item.values,
    createdAt: item.createdAt.toISOString(),
    updatedAt: item.updatedAt.toISOString(),
  };
}
