import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * PostgreSQL: the claim statement moves into a function that plans it with sorting disabled.
 *
 * Why: a queue table's statistics are always out of date. When tasks arrive faster than autovacuum analyses
 * the table (a bulk enqueue into an empty or freshly drained queue), the planner believes a handful of rows
 * are waiting and picks a bitmap scan plus a sort of every waiting row, tens of milliseconds per claim
 * round at 50,000 waiting rows, instead of walking the claim index in order and stopping after LIMIT rows.
 * With enable_sort off for this one statement the ordered index scan is the only sensible plan, whatever
 * the statistics say. The function is PL/pgSQL so that each connection plans it once.
 *
 * The claim also commits without waiting for its WAL flush (synchronous_commit off for that transaction
 * only). A claim lost in a database crash costs nothing: the row is `enqueued` again after recovery and is
 * claimed anew, exactly as after a worker crash. The handler's ending, whose loss would be visible, still
 * commits durably, and its flush carries the claim's earlier WAL records with it. This takes one disk flush
 * off every pickup and every claim round.
 *
 * The statement is the one described in the brief; the worker calls it as
 * `SELECT … FROM claim_background_tasks($1, $2, $3, $4)`. SQLite and SQL Server are unchanged.
 */
/** The function, for the migration and for the test that reads it. */
export function claimFunctionSql(schema: string, table: string): string {
  return `
    CREATE FUNCTION "${schema}".claim_background_tasks(
      claim_owner text, lease_ms integer, max_tasks integer, task_names text[])
    RETURNS SETOF ${table}
    LANGUAGE plpgsql
    SET enable_sort = off
    AS $$
    BEGIN
      /* For the rest of this transaction only: a SET clause above would be undone before the commit. */
      PERFORM set_config('synchronous_commit', 'off', true);
      RETURN QUERY
      UPDATE ${table} AS t
      SET status = 'processing', lease_owner = claim_owner,
          lease_expires_at = now() + lease_ms * interval '1 millisecond',
          attempts = t.attempts + 1, started_at = now(), updated_at = now()
      WHERE t.id IN (
        SELECT q.id FROM ${table} AS q
        WHERE q.status = 'enqueued' AND q.run_after <= now() AND q.name = ANY(task_names)
        ORDER BY q.priority DESC, q.run_after, q.id
        LIMIT max_tasks
        FOR UPDATE SKIP LOCKED)
      RETURNING t.*;
    END
    $$`;
}

export class PlannerProofClaim1764159200000 implements MigrationInterface {
  name = 'PlannerProofClaim1764159200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    await db.run({
      sqlite: [],
      postgres: [claimFunctionSql(db.schema!, t)],
      sqlserver: [],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({
      sqlite: [],
      postgres: [`DROP FUNCTION "${db.schema}".claim_background_tasks(text, integer, integer, text[])`],
      sqlserver: [],
    });
  }
}
