import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '../../task-status.js';

export class ListBackgroundTasksRequestDto {
  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  /** The task name, e.g. demo.countdown. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  name?: string;

  /** Admins only: the tasks of this user. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  createdBy?: string;

  /** The nextCursor of the previous page. */
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit: number = 20;
}
