import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * Two indexes fewer to write on every change of a task, on PostgreSQL and SQLite.
 *
 * A task's row is written three times in its life (enqueue, claim, ending), and none of these writes can
 * be a HOT update: `status` is in the predicate of the claim and lease indexes. So each write adds an
 * entry to every index whose predicate the new row matches, and the two listing indexes matched every row:
 * four index entries per write where the queue itself needs two. The benchmark measured about 8 µs of
 * database time per task for them.
 *
 * - The newest-first list no longer needs (created_at, id): ids are UUIDv7, whose leading 48 bits are the
 *   enqueue time in milliseconds, so the primary key already holds the tasks in creation order. The list
 *   pages by id on these two engines (task-list-sql.ts).
 * - A user's own tasks: (created_by, id) only where there is a creator. Tasks enqueued by the system
 *   (recurring jobs, bulk imports) have none and are never listed by creator.
 *
 * SQL Server compares uniqueidentifiers from their last bytes, not in time order, so it keeps listing by
 * its clustered (created_at, id) index, which costs no extra write; its per-creator index becomes filtered
 * the same way.
 */
export class FewerTaskIndexWrites1764850100000 implements MigrationInterface {
  name = 'FewerTaskIndexWrites1764850100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    const index = (name: string) => (db.schema ? `"${db.schema}".${name}` : name);
    const leaner = [
      `DROP INDEX ${index('background_tasks_created')}`,
      `DROP INDEX ${index('background_tasks_created_by')}`,
      `CREATE INDEX background_tasks_created_by ON ${t} (created_by, id DESC) WHERE created_by IS NOT NULL`,
    ];
    await db.run({
      sqlite: leaner,
      postgres: leaner,
      sqlserver: [
        `DROP INDEX IX_background_tasks_created_by ON ${t}`,
        `CREATE INDEX IX_background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)
           WHERE created_by IS NOT NULL`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    const index = (name: string) => (db.schema ? `"${db.schema}".${name}` : name);
    const previous = [
      `DROP INDEX ${index('background_tasks_created_by')}`,
      `CREATE INDEX background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)`,
      `CREATE INDEX background_tasks_created ON ${t} (created_at DESC, id DESC)`,
    ];
    await db.run({
      sqlite: previous,
      postgres: previous,
      sqlserver: [
        `DROP INDEX IX_background_tasks_created_by ON ${t}`,
        `CREATE INDEX IX_background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)`,
      ],
    });
  }
}
