import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { StorableText } from '../../../shared/validation/storable-text.decorator.js';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateNested,
} from 'class-validator';
import { DEVELOPER_NAME, FIELD_TYPES, MAX_FIELDS, type FieldType } from '../../model/content-type.js';

const SLUG_MESSAGE = 'must be lower-case letters, digits and _, starting with a letter (at most 63)';

export class FieldDefinitionDto {
  @ApiProperty({ pattern: DEVELOPER_NAME.source, example: 'title' })
  @Matches(DEVELOPER_NAME, { message: `developerName ${SLUG_MESSAGE}` })
  developerName!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Title' })
  @IsString()
  @Length(1, 200)
  @StorableText()
  label!: string;

  @ApiProperty({ enum: FIELD_TYPES })
  @IsIn(FIELD_TYPES)
  type!: FieldType;

  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  required?: boolean;

  /** The allowed values of a `choice` field. */
  @ApiPropertyOptional({ type: [String], maxItems: 500, description: 'The allowed values of a choice field' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  @StorableText({ each: true })
  choices?: string[];
}

export class CreateContentTypeRequestDto {
  @ApiProperty({ pattern: DEVELOPER_NAME.source, example: 'articles' })
  @Matches(DEVELOPER_NAME, { message: `developerName ${SLUG_MESSAGE}` })
  developerName!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Article' })
  @IsString()
  @Length(1, 200)
  @StorableText()
  labelSingular!: string;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Articles' })
  @IsString()
  @Length(1, 200)
  @StorableText()
  labelPlural!: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  @StorableText()
  description?: string;

  @ApiProperty({ type: [FieldDefinitionDto], minItems: 1, maxItems: MAX_FIELDS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FIELDS)
  @ValidateNested({ each: true })
  @Type(() => FieldDefinitionDto)
  fields!: FieldDefinitionDto[];
}
