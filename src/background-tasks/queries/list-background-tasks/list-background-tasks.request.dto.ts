import { ApiPropertyOptional } from '@nestjs/swagger';
import { StorableText } from '../../../shared/validation/storable-text.decorator.js';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '../../task-status.js';

export class ListBackgroundTasksRequestDto {
  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  /** The task name, e.g. reports.send. */
  @ApiPropertyOptional({ description: 'The task name', example: 'reports.send', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  name?: string;

  /** Admins only: the tasks of this user. */
  @ApiPropertyOptional({ description: "Admins only: this user's tasks", maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @StorableText()
  createdBy?: string;

  /** The nextCursor of the previous page. */
  @ApiPropertyOptional({ description: 'The nextCursor of the previous page', maxLength: 200 })
  @IsOptional()
  @IsString()
  @MaxLength(200)
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
