import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * Columns and indexes for the typed task contract:
 * - resume_at: when a suspended task resumes by itself (NULL: it waits for POST /resume);
 * - attempt_errors: a JSON array with the error and time of every failed attempt;
 * - a partial index on suspended rows by resume_at, for the sweep that resumes them;
 * - a partial index on finished rows by completed_at, for the retention sweep;
 * - (created_by, created_at, id), for the task list an editor sees (only their own tasks).
 */
export class TaskContractColumns1763986400000 implements MigrationInterface {
  name = 'TaskContractColumns1763986400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    await db.run({
      sqlite: [
        `ALTER TABLE ${t} ADD COLUMN resume_at TEXT`,
        `ALTER TABLE ${t} ADD COLUMN attempt_errors TEXT CHECK (attempt_errors IS NULL OR json_valid(attempt_errors))`,
        `CREATE INDEX background_tasks_suspended ON ${t} (resume_at) WHERE status = 'suspended'`,
        `CREATE INDEX background_tasks_finished ON ${t} (completed_at) WHERE completed_at IS NOT NULL`,
        `CREATE INDEX background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)`,
      ],
      postgres: [
        // Millisecond precision, like the other engines and JavaScript dates: the list's keyset cursor carries
        // created_at through JSON and must compare equal to the stored value.
        `ALTER TABLE ${t} ADD COLUMN resume_at timestamptz, ADD COLUMN attempt_errors jsonb,
           ALTER COLUMN created_at TYPE timestamptz(3)`,
        `CREATE INDEX background_tasks_suspended ON ${t} (resume_at) WHERE status = 'suspended'`,
        `CREATE INDEX background_tasks_finished ON ${t} (completed_at) WHERE completed_at IS NOT NULL`,
        `CREATE INDEX background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)`,
      ],
      sqlserver: [
        // One column per statement: Babelfish refuses a list (the result is the same on SQL Server).
        `ALTER TABLE ${t} ADD resume_at datetime2(3) NULL`,
        `ALTER TABLE ${t} ADD attempt_errors nvarchar(max) NULL`,
        `CREATE INDEX IX_background_tasks_suspended ON ${t} (resume_at) WHERE status = 'suspended'`,
        `CREATE INDEX IX_background_tasks_finished ON ${t} (completed_at) WHERE completed_at IS NOT NULL`,
        `CREATE INDEX IX_background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    await db.run({
      sqlite: [
        'DROP INDEX background_tasks_created_by',
        'DROP INDEX background_tasks_finished',
        'DROP INDEX background_tasks_suspended',
        `ALTER TABLE ${t} DROP COLUMN attempt_errors`,
        `ALTER TABLE ${t} DROP COLUMN resume_at`,
      ],
      postgres: [
        `DROP INDEX "${db.schema}".background_tasks_created_by`,
        `DROP INDEX "${db.schema}".background_tasks_finished`,
        `DROP INDEX "${db.schema}".background_tasks_suspended`,
        `ALTER TABLE ${t} DROP COLUMN attempt_errors, DROP COLUMN resume_at, ALTER COLUMN created_at TYPE timestamptz`,
      ],
      sqlserver: [
        `DROP INDEX IX_background_tasks_created_by ON ${t}`,
        `DROP INDEX IX_background_tasks_finished ON ${t}`,
        `DROP INDEX IX_background_tasks_suspended ON ${t}`,
        `ALTER TABLE ${t} DROP COLUMN attempt_errors`,
        `ALTER TABLE ${t} DROP COLUMN resume_at`,
      ],
    });
  }
}
