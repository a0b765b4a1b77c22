import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * PostgreSQL: new tasks are announced (NOTIFY) by the statements that insert them, no longer by an insert
 * trigger.
 *
 * Why: a task enqueued in a process whose worker has a free slot is inserted already leased to that worker
 * (a hand-over, see postgres-statements.ts). No other worker can claim it, yet the trigger announced it
 * all the same: its commit took the notification queue's lock, and every listening worker ran a claim round
 * that found nothing. Measured here, the NOTIFY was 0.4 ms of a 2 ms pickup. The insert statements now
 * call pg_notify themselves, once per statement and only for tasks that wait to be claimed, as the resume
 * and retry statements always did. An insert made outside the application's statements is no longer
 * announced; workers find it at their next poll.
 */
export class AnnounceInStatements1765000000000 implements MigrationInterface {
  name = 'AnnounceInStatements1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({
      sqlite: [],
      postgres: [
        `DROP TRIGGER background_tasks_inserted ON ${db.table('background_tasks')}`,
        `DROP FUNCTION "${db.schema}".background_tasks_notify()`,
      ],
      sqlserver: [],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({
      sqlite: [],
      postgres: [
        `CREATE FUNCTION "${db.schema}".background_tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           PERFORM pg_notify(TG_TABLE_SCHEMA || '.background_tasks', '');
           RETURN NULL;
         END $$`,
        `CREATE TRIGGER background_tasks_inserted AFTER INSERT ON ${db.table('background_tasks')}
         FOR EACH STATEMENT EXECUTE FUNCTION "${db.schema}".background_tasks_notify()`,
      ],
      sqlserver: [],
    });
  }
}
