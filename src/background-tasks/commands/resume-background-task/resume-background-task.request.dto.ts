import { IsObject, IsOptional } from 'class-validator';

export class ResumeBackgroundTaskRequestDto {
  /** Fields to change in the task's execution metadata before it resumes (merged over the current value). */
  @IsOptional()
  @IsObject()
  executionMetadata?: Record<string, unknown>;
}
