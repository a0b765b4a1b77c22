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
  @Matches(DEVELOPER_NAME, { message: `developerName ${SLUG_MESSAGE}` })
  developerName!: string;

  @IsString()
  @Length(1, 200)
  label!: string;

  @IsIn(FIELD_TYPES)
  type!: FieldType;

  @IsOptional()
  @IsBoolean()
  required?: boolean;

  /** The allowed values of a `choice` field. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @Length(1, 200, { each: true })
  choices?: string[];
}

export class CreateContentTypeRequestDto {
  @Matches(DEVELOPER_NAME, { message: `developerName ${SLUG_MESSAGE}` })
  developerName!: string;

  @IsString()
  @Length(1, 200)
  labelSingular!: string;

  @IsString()
  @Length(1, 200)
  labelPlural!: string;

  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string;

  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_FIELDS)
  @ValidateNested({ each: true })
  @Type(() => FieldDefinitionDto)
  fields!: FieldDefinitionDto[];
}
