import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional } from 'class-validator';

export class ResumeBackgroundTaskRequestDto {
  /** Fields to change in the task's execution metadata before it resumes (merged over the current value). */
  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Merged over the task's checkpoint and validated against its executionMetadataType",
  })
  @IsOptional()
  @IsObject()
  executionMetadata?: Record<string, unknown>;
}
