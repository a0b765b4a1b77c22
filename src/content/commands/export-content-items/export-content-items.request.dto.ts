import { ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString } from 'class-validator';
import { ItemSelectionRequestDto } from '../../item-selection.request.dto.js';
import { MAX_FIELDS } from '../../model/content-type.js';

export class ExportContentItemsRequestDto extends ItemSelectionRequestDto {
  /** A subset of the fields to export; all of them when left out. Columns keep the type's field order. */
  @ApiPropertyOptional({ type: [String], description: 'A subset of the fields; all when left out' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_FIELDS)
  @IsString({ each: true })
  fields?: string[];
}
