import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * PostgreSQL: the endings of a batch of runs are read through a function the planner believes returns
 * one row, so that `finish` always looks each task up by primary key.
 *
 * Why: `finish` joins the batch (a JSON array) to the task table. The planner sizes the table from its
 * statistics, or, for a table never analysed, from its size when the statement was first planned; and a
 * named statement keeps that plan for the life of the connection. A worker that ends its first tasks while
 * a bulk enqueue is still arriving therefore plans for a small table (a sequential scan and a hash join)
 * and keeps scanning the whole table for every batch of endings once it holds 50,000 rows: 25 ms a batch
 * in the benchmark, where 200 primary-key look-ups take 1 ms. The join order and method follow from the
 * row estimate of the batch: at one row, a nested loop probing the primary key is the cheapest plan for a
 * table of any size, so it is the plan chosen whatever the statistics say. (jsonb_to_recordset itself is
 * estimated at 100 rows, which puts the cross-over at a few hundred rows, exactly where a fresh queue is.)
 *
 * PL/pgSQL, not SQL: an SQL function would be inlined, and its estimate replaced by jsonb_to_recordset's.
 * The columns are those of ending-row.ts.
 */
export function endingsFunctionSql(schema: string): string {
  return `
    CREATE FUNCTION "${schema}".background_task_endings(endings jsonb)
    RETURNS TABLE (id uuid, "leaseOwner" text, status text, "resultJson" text, "errorJson" text,
      "keepError" boolean, "attemptErrorJson" text, "attemptsDelta" int, "runAfter" timestamptz,
      "resumeAt" timestamptz, final boolean, step int, info text, percent int)
    LANGUAGE plpgsql STABLE ROWS 1
    AS $$
    BEGIN
      RETURN QUERY SELECT * FROM jsonb_to_recordset(endings) AS v(id uuid, "leaseOwner" text, status text,
        "resultJson" text, "errorJson" text, "keepError" boolean, "attemptErrorJson" text, "attemptsDelta" int,
        "runAfter" timestamptz, "resumeAt" timestamptz, final boolean, step int, info text, percent int);
    END
    $$`;
}

export class PlannerProofFinish1764850000000 implements MigrationInterface {
  name = 'PlannerProofFinish1764850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({ sqlite: [], postgres: [endingsFunctionSql(db.schema!)], sqlserver: [] });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({
      sqlite: [],
      postgres: [`DROP FUNCTION "${db.schema}".background_task_endings(jsonb)`],
      sqlserver: [],
    });
  }
}
