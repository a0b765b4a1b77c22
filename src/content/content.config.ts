export class ContentConfig {
  constructor(
    /** Items of the demo type `articles` seeded into a fresh database (SEED_DEMO_ITEMS); 0 seeds nothing. */
    readonly seedDemoItems: number,
  ) {}
}
