import { ApiProperty } from '@nestjs/swagger';
import { BULK_ACTION_NAMES } from '../../bulk/bulk-actions.js';
import type { BulkAction } from '../../model/task-records.js';

/** A dry run's answer: how many tasks the operation would change now. */
export class BulkOperationCountView {
  @ApiProperty({ enum: BULK_ACTION_NAMES })
  readonly action!: BulkAction;

  @ApiProperty({ type: String, nullable: true, description: 'The task name, or null for all' })
  readonly name!: string | null;

  @ApiProperty({ description: 'Tasks the operation would change if started now' })
  readonly matching!: number;
}

export type BulkOperationOutcome =
  | { readonly dryRun: true; readonly count: BulkOperationCountView }
  | { readonly dryRun: false; readonly taskId: string };
