import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/** Replaces the metadata check with one that holds for `expression`. */
async function checkMetadata(queryRunner: QueryRunner, expression: string): Promise<void> {
  const db = new MigrationContext(queryRunner);
  const t = db.table('background_tasks');
  await db.run({
    sqlite: [],
    postgres: [],
    sqlserver: [
      `ALTER TABLE ${t} DROP CONSTRAINT CK_background_tasks_metadata`,
      `ALTER TABLE ${t} ADD CONSTRAINT CK_background_tasks_metadata CHECK (${expression})`,
    ],
  });
}

/**
 * SQL Server: task metadata may be any JSON value, as on the other engines.
 *
 * `ISJSON(x) = 1` holds only for an object or an array before SQL Server 2022 (and on Babelfish), so the
 * first migration's check refused the `null` that `enqueue(Task, undefined)` stores, and every string or
 * number, with error 547. Wrapped in brackets, any one JSON value is a valid array. The check is a guard
 * against hand-written SQL, not the parser: the application writes only what JSON.stringify produced.
 */
export class SqlServerMetadataAnyJson1765100000000 implements MigrationInterface {
  name = 'SqlServerMetadataAnyJson1765100000000';

  up(queryRunner: QueryRunner): Promise<void> {
    return checkMetadata(queryRunner, "ISJSON(CONCAT('[', metadata, ']')) = 1");
  }

  down(queryRunner: QueryRunner): Promise<void> {
    return checkMetadata(queryRunner, 'ISJSON(metadata) = 1');
  }
}
