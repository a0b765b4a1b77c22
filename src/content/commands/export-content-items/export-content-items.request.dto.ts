import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_FIELDS } from '../../model/content-type.js';

export class ExportContentItemsRequestDto {
  /** Only items whose text fields contain this (case-insensitive). */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  search?: string;

  /** createdAt (default), updatedAt, or the developer name of a field. */
  @IsOptional()
  @IsString()
  @MaxLength(63)
  orderBy?: string;

  @IsOptional()
  @IsIn(['asc', 'desc'])
  direction?: 'asc' | 'desc';

  /** A subset of the fields to export; all of them when left out. Columns keep the type's field order. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FIELDS)
  @IsString({ each: true })
  fields?: string[];
}
