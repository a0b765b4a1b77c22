import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { StorableText } from '../shared/validation/storable-text.decorator.js';

/** Which items, in which order: what the item list and an export both take. */
export class ItemSelectionRequestDto {
  /** Only items whose text fields contain this (case-insensitive). */
  @ApiPropertyOptional({ maxLength: 200, description: 'Only items whose text fields contain this' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  search?: string;

  /** createdAt (default), updatedAt, or the developer name of a field. */
  @ApiPropertyOptional({
    default: 'createdAt',
    description: 'createdAt, updatedAt or a field developer name',
  })
  @IsOptional()
  @IsString()
  @MaxLength(63)
  @StorableText()
  orderBy?: string;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  direction?: 'asc' | 'desc';
}
