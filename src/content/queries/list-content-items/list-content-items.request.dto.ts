import { ApiPropertyOptional } from '@nestjs/swagger';
import { StorableText } from '../../../shared/validation/storable-text.decorator.js';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ItemSelectionRequestDto } from '../../item-selection.request.dto.js';

export class ListContentItemsRequestDto extends ItemSelectionRequestDto {
  /** The nextCursor of the previous page, with the same search and order. */
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page, with the same search and order' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  @StorableText()
  cursor?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
