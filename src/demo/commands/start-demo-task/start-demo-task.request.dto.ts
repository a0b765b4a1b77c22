import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, Max, Min } from 'class-validator';

export class StartDemoTaskRequestDto {
  /** How many steps the demo task walks through. */
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 5 })
  @IsInt()
  @Min(1)
  @Max(1000)
  steps: number = 5;

  /** Milliseconds per step. */
  @ApiPropertyOptional({ minimum: 0, maximum: 60_000, default: 200 })
  @IsInt()
  @Min(0)
  @Max(60_000)
  stepMs: number = 200;
}
