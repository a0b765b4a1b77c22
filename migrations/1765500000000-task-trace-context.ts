import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * Traces from request to run (README "Traces"): `background_tasks.trace_context` holds the W3C trace
 * context (`traceparent`, and `tracestate` when there is one) of the enqueue that created the task, as a
 * small JSON object, so that each run's span links to the request that asked for it, in whatever process
 * and however much later it runs. NULL when tracing is off (no OpenTelemetry SDK registered): an unused
 * nullable column costs a null bitmap bit, and no index reads it. A nullable column without a default is
 * added without rewriting the table on every engine.
 */
export class TaskTraceContext1765500000000 implements MigrationInterface {
  name = 'TaskTraceContext1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    await db.run({
      sqlite: [`ALTER TABLE ${t} ADD COLUMN trace_context TEXT`],
      postgres: [`ALTER TABLE ${t} ADD COLUMN trace_context text`],
      sqlserver: [`ALTER TABLE ${t} ADD trace_context nvarchar(1000) NULL`],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const drop = `ALTER TABLE ${db.table('background_tasks')} DROP COLUMN trace_context`;
    await db.run({ sqlite: [drop], postgres: [drop], sqlserver: [drop] });
  }
}
