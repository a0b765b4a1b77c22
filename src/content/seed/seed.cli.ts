/**
 * `npm run seed -- --items N`: makes sure the demo content type `articles` exists with at least N items
 * (default 20,000), on the database named by DATABASE_URL. Running it twice adds nothing the second time.
 */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from '../../app.module.js';
import { loadAppConfig } from '../../config/app-config.js';
import { loadDotEnvFile } from '../../config/dot-env.js';
import { runMigrations } from '../../database/migrator.js';
import { DemoContentSeeder } from './demo-content.seeder.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { items: { type: 'string', default: '20000' } } });
  const items = Number(values.items);
  if (!Number.isInteger(items) || items < 0) throw new Error('--items must be a whole number');
  loadDotEnvFile();
  // No worker, no automatic seed: this command does the seeding, then exits.
  const config = loadAppConfig({ ...process.env, APP_ROLE: 'api', SEED_DEMO_ITEMS: '0' });
  if (config.database.engine === 'sqlite') await runMigrations(config.database);
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
    logger: ['error', 'warn'],
  });
  try {
    const started = Date.now();
    const added = await app.get(DemoContentSeeder).ensureArticles(items);
    console.log(`articles has at least ${items} items (${added} added in ${Date.now() - started} ms)`);
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
