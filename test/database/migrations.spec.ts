import { migrationStatus, revertLastMigration, runMigrations } from '../../src/database/migrator.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

describe.each(TEST_ENGINES)('migrations [%s]', (engine) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await TestDatabase.create(engine); // migrated to the latest version
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('applies nothing twice, reverts the last migration, and applies it again', async () => {
    const { database } = db.config();
    expect(await runMigrations(database)).toEqual([]);
    const before = await migrationStatus(database);
    expect(before.pending).toEqual([]);

    await revertLastMigration(database);
    const reverted = await migrationStatus(database);
    expect(reverted.pending).toEqual([before.applied.at(-1)]);

    expect(await runMigrations(database)).toEqual([before.applied.at(-1)]);
    expect(await db.count()).toBe(0);
  });
});
