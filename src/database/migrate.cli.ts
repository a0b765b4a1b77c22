/**
 * `npm run migration:run | migration:revert | migration:show`: applies, reverts or lists migrations on the
 * database named by DATABASE_URL (and SchemaName), on any of the three engines. It reads no other variable.
 */
import 'reflect-metadata';
import { loadDotEnvFile } from '../config/dot-env.js';
import { loadDatabaseConfig } from './database-environment.js';
import { migrationStatus, revertLastMigration, runMigrations } from './migrator.js';

async function main(command: string | undefined): Promise<void> {
  loadDotEnvFile();
  // The database's variables only: a production migration needs no ADMIN_TOKENS.
  const database = loadDatabaseConfig(process.env);
  const where = `${database.engine}${database.schema ? ` (schema ${database.schema})` : ''}`;
  switch (command) {
    case 'run': {
      const applied = await runMigrations(database);
      console.log(
        applied.length ? `Applied on ${where}: ${applied.join(', ')}` : `Nothing to apply on ${where}`,
      );
      return;
    }
    case 'revert':
      await revertLastMigration(database);
      console.log(`Reverted the last migration on ${where}`);
      return;
    case 'show': {
      const { applied, pending } = await migrationStatus(database);
      for (const name of applied) console.log(`[x] ${name}`);
      for (const name of pending) console.log(`[ ] ${name}`);
      return;
    }
    default:
      console.error('Usage: migrate.cli.js run | revert | show');
      process.exitCode = 2;
  }
}

main(process.argv[2]).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
