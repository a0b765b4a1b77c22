import { IsInt, Max, Min } from 'class-validator';

export class StartDemoTaskRequestDto {
  /** How many steps the demo task walks through. */
  @IsInt()
  @Min(1)
  @Max(1000)
  steps: number = 5;

  /** Milliseconds per step. */
  @IsInt()
  @Min(0)
  @Max(60_000)
  stepMs: number = 200;
}
