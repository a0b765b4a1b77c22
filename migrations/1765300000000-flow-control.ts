import type { MigrationInterface, QueryRunner } from 'typeorm';
import { claimFunctionSql } from './1764159200000-planner-proof-claim.js';
import { MigrationContext } from './support/migration-context.js';

/**
 * Flow control (README "Flow control"): concurrency limits per task name and per key, fair claiming across
 * keys, rate limits, and pausing a task name.
 *
 * - `background_tasks.concurrency_key`: the key an enqueue gave (`concurrencyKey`), or '' for a task of a
 *   kind whose limits go by key and that was given none; NULL for every other task. A partial index over
 *   the keyed rows that wait serves the claim's walk from key to key; unkeyed tasks (all of them, unless a
 *   team uses keys) write no entry to it.
 * - `background_task_queues`: one row per task name that is paused, or that a worker claims under flow
 *   control. A flow-controlled claim updates its name's row first: that row lock is what makes two claimers
 *   of one name take turns, so that the processing rows they count cannot change under them (SQLite's
 *   write lock does the same). `fair_cursor` is the last key a fair claim served, where the next one starts.
 * - `background_task_starts`: every start of a rate-limited task within its window, by scope (the name, or
 *   `name#key`), for the sliding window; the claim deletes the rows that left it.
 * - PostgreSQL's claim function leaves paused names out. The other engines' claim statements are in the
 *   application.
 */
export class FlowControl1765300000000 implements MigrationInterface {
  name = 'FlowControl1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    const queues = db.table('background_task_queues');
    const starts = db.table('background_task_starts');
    await db.run({
      sqlite: [
        `ALTER TABLE ${t} ADD COLUMN concurrency_key TEXT`,
        `CREATE INDEX background_tasks_keyed_claim ON ${t} (name, concurrency_key, priority DESC, run_after, id)
           WHERE status = 'enqueued' AND concurrency_key IS NOT NULL`,
        `CREATE TABLE ${queues} (
           name TEXT NOT NULL PRIMARY KEY,
           paused INTEGER NOT NULL DEFAULT 0,
           paused_at TEXT,
           paused_by TEXT,
           fair_cursor TEXT,
           claimed_at TEXT)`,
        `CREATE TABLE ${starts} (scope TEXT NOT NULL, started_at TEXT NOT NULL)`,
        `CREATE INDEX background_task_starts_scope ON ${starts} (scope, started_at)`,
      ],
      postgres: [
        `ALTER TABLE ${t} ADD COLUMN concurrency_key varchar(200)`,
        `CREATE INDEX background_tasks_keyed_claim ON ${t} (name, concurrency_key, priority DESC, run_after, id)
           WHERE status = 'enqueued' AND concurrency_key IS NOT NULL`,
        `CREATE TABLE ${queues} (
           name varchar(200) NOT NULL PRIMARY KEY,
           paused boolean NOT NULL DEFAULT false,
           paused_at timestamptz,
           paused_by varchar(200),
           fair_cursor varchar(200),
           claimed_at timestamptz)`,
        `CREATE TABLE ${starts} (scope varchar(401) NOT NULL, started_at timestamptz NOT NULL)`,
        `CREATE INDEX background_task_starts_scope ON ${starts} (scope, started_at)`,
        `DROP FUNCTION "${db.schema}".claim_background_tasks(text, integer, integer, text[])`,
        flowClaimFunctionSql(db.schema!, t, queues),
      ],
      sqlserver: [
        `ALTER TABLE ${t} ADD concurrency_key nvarchar(200) COLLATE Latin1_General_BIN2 NULL`,
        `CREATE INDEX IX_background_tasks_keyed_claim ON ${t}
           (name, concurrency_key, priority DESC, run_after, id_order)
           WHERE status = 'enqueued' AND concurrency_key IS NOT NULL`,
        `CREATE TABLE ${queues} (
           name nvarchar(200) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT PK_background_task_queues PRIMARY KEY,
           paused bit NOT NULL CONSTRAINT DF_background_task_queues_paused DEFAULT 0,
           paused_at datetime2(3) NULL,
           paused_by nvarchar(200) NULL,
           fair_cursor nvarchar(200) COLLATE Latin1_General_BIN2 NULL,
           claimed_at datetime2(3) NULL)`,
        `CREATE TABLE ${starts} (
           scope nvarchar(401) COLLATE Latin1_General_BIN2 NOT NULL,
           started_at datetime2(3) NOT NULL)`,
        `CREATE CLUSTERED INDEX IX_background_task_starts_scope ON ${starts} (scope, started_at)`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    const index = (name: string) => (db.schema ? `"${db.schema}".${name}` : name);
    const tables = [
      `DROP TABLE ${db.table('background_task_starts')}`,
      `DROP TABLE ${db.table('background_task_queues')}`,
    ];
    await db.run({
      sqlite: [
        ...tables,
        `DROP INDEX ${index('background_tasks_keyed_claim')}`,
        `ALTER TABLE ${t} DROP COLUMN concurrency_key`,
      ],
      postgres: [
        `DROP FUNCTION "${db.schema}".claim_background_tasks(text, integer, integer, text[])`,
        ...tables,
        `DROP INDEX ${index('background_tasks_keyed_claim')}`,
        `ALTER TABLE ${t} DROP COLUMN concurrency_key`,
        claimFunctionSql(db.schema!, t),
      ],
      sqlserver: [
        ...tables,
        `DROP INDEX IX_background_tasks_keyed_claim ON ${t}`,
        `ALTER TABLE ${t} DROP COLUMN concurrency_key`,
      ],
    });
  }
}

/**
 * The claim function of migration 1764159200000 (same plan, same settings), leaving out the names that are
 * paused: they are taken off the list once per claim, by one probe of the queues table per name, so the
 * ordered walk of the claim index is the statement it was.
 */
export function flowClaimFunctionSql(schema: string, table: string, queues: string): string {
  return claimFunctionSql(schema, table)
    .replace(
      'BEGIN',
      `DECLARE
      claimable text[] := ARRAY(
        SELECT n FROM unnest(task_names) AS n
        WHERE NOT EXISTS (SELECT 1 FROM ${queues} AS p WHERE p.name = n AND p.paused));
    BEGIN`,
    )
    .replace('q.name = ANY(task_names)', 'q.name = ANY(claimable)');
}
