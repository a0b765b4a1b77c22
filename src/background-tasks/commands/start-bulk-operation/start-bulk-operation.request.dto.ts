import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsISO8601, IsOptional, Matches, ValidateIf } from 'class-validator';
import { BULK_ACTION_NAMES } from '../../bulk/bulk-actions.js';
import { TASK_NAME } from '../../contract/background-task.decorator.js';
import type { BulkAction } from '../../model/task-records.js';

export class StartBulkOperationRequestDto {
  /** retry: failed tasks; cancel: enqueued and suspended ones; delete: finished ones (with finishedBefore). */
  @ApiProperty({ enum: BULK_ACTION_NAMES })
  @IsIn(BULK_ACTION_NAMES)
  action!: BulkAction;

  /** Only tasks of this name (all names when left out). */
  @ApiPropertyOptional({ description: 'Only tasks of this name', example: 'cms.import-content-items' })
  @IsOptional()
  @Matches(TASK_NAME, { message: 'name must be a task name (letters, digits, . _ : -, at most 200)' })
  name?: string;

  /** delete only, and required there: tasks that finished at or before this time. */
  @ApiPropertyOptional({ format: 'date-time', description: 'delete: tasks finished at or before this time' })
  @ValidateIf(
    (body: StartBulkOperationRequestDto) => body.action === 'delete' || body.finishedBefore !== undefined,
  )
  @IsISO8601(
    { strict: true, strictSeparator: true },
    { message: 'finishedBefore must be an ISO 8601 date-time' },
  )
  finishedBefore?: string;

  /** Count the matching tasks and change nothing (200 with the count instead of 202 with a task). */
  @ApiPropertyOptional({ default: false })
  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}
