import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { StorableText } from '../../../shared/validation/storable-text.decorator.js';

export class WatchBackgroundTasksRequestDto {
  /** Only tasks of this name, e.g. cms.export-content-items. */
  @ApiPropertyOptional({ description: 'Only tasks of this name', example: 'cms.export-content-items' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  name?: string;

  /** Admins only: the tasks of this user. */
  @ApiPropertyOptional({ description: "Admins only: this user's tasks" })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  createdBy?: string;

  /** For EventSource, which cannot send headers: a token from POST /api/stream-tokens. */
  @ApiPropertyOptional({
    description: 'Instead of the Authorization header: a token from POST /api/stream-tokens',
  })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  streamToken?: string;
}
