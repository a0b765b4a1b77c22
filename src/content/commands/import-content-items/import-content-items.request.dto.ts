import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import type { ImportMode } from '../../tasks/import-content-items.task.js';

/** The form fields that come with the multipart `file`. */
export class ImportContentItemsRequestDto {
  /** `insert` (default): every row is a new item. `upsert`: rows whose id exists update that item. */
  @ApiPropertyOptional({ enum: ['insert', 'upsert'], default: 'insert' })
  @IsOptional()
  @IsIn(['insert', 'upsert'])
  mode?: ImportMode;
}
