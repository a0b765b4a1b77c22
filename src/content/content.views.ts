import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ContentItem, FieldValues } from './model/content-item.js';
import { FIELD_TYPES, type ContentType, type FieldDefinition, type FieldType } from './model/content-type.js';

const TIME = { type: String, format: 'date-time' } as const;

export class FieldDefinitionView {
  @ApiProperty({ example: 'title', description: 'The key in values, JSON and CSV headers' })
  readonly developerName!: string;
  @ApiProperty({ example: 'Title' })
  readonly label!: string;
  @ApiProperty({ enum: FIELD_TYPES })
  readonly type!: FieldType;
  @ApiProperty()
  readonly required!: boolean;
  @ApiPropertyOptional({ type: [String], description: 'The allowed values of a choice field' })
  readonly choices?: readonly string[];
}

export class ContentTypeView {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;
  @ApiProperty({ example: 'articles' })
  readonly developerName!: string;
  @ApiProperty({ example: 'Article' })
  readonly labelSingular!: string;
  @ApiProperty({ example: 'Articles' })
  readonly labelPlural!: string;
  @ApiProperty({ type: String, nullable: true })
  readonly description!: string | null;
  @ApiProperty({ type: [FieldDefinitionView], description: 'In order: also the column order of exports' })
  readonly fields!: readonly FieldDefinition[];
  @ApiProperty(TIME)
  readonly createdAt!: string;
  @ApiProperty(TIME)
  readonly updatedAt!: string;
}

export class ContentItemView {
  @ApiProperty({ format: 'uuid' })
  readonly id!: string;
  /** The developer name of the item's content type. */
  @ApiProperty({ example: 'articles', description: "The developer name of the item's content type" })
  readonly contentType!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: {
      oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }],
      nullable: true,
    },
    description: 'Values by field developer name; dates as YYYY-MM-DD; empty values are null',
    example: { title: 'Hello', published: true },
  })
  readonly values!: FieldValues;
  @ApiProperty(TIME)
  readonly createdAt!: string;
  @ApiProperty(TIME)
  readonly updatedAt!: string;
}

export class ContentItemPageView {
  @ApiProperty({ type: [ContentItemView] })
  readonly items!: ContentItemView[];
  @ApiProperty({ type: String, nullable: true, description: 'Pass as cursor for the next page' })
  readonly nextCursor!: string | null;
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
