import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

export class ContentConfig {
  constructor(
    /** Items of the demo type `articles` seeded into a fresh database (SEED_DEMO_ITEMS); 0 seeds nothing. */
    readonly seedDemoItems: number,
  ) {}
}

/** The content module's environment variables, with their defaults. */
export class ContentEnvironmentVariables {
  /** Items of the demo content type `articles` that a fresh database gets; 0 seeds nothing. */
  @Type(() => Number)
  @IsInt({ message: 'SEED_DEMO_ITEMS must be an integer' })
  @Min(0)
  @Max(10_000_000)
  SEED_DEMO_ITEMS = 20_000;
}
