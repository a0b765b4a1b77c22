import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * Compares code points, as PostgreSQL and SQLite do. SQL Server's (and Babelfish's) default collation is
 * case-insensitive: it merged idempotency keys that differ by case, and let a list of one user's tasks show
 * those of a user whose name differs only by case.
 */
const BINARY = 'Latin1_General_BIN2';

/**
 * Text columns compared for identity. Babelfish refuses `ALTER COLUMN … COLLATE`, so each is replaced: a new
 * column in the binary collation, filled from the old one, which is dropped, and renamed to its name. A
 * NOT NULL column becomes nullable with a check that refuses NULL (a default to add it NOT NULL could not be
 * dropped again on Babelfish, which names no default constraint).
 */
const IDENTITY_COLUMNS = ['name', 'created_by', 'idempotency_key'] as const;

/** The statements that give IDENTITY_COLUMNS of the task table the collation `collation`. */
function recollate(table: string, schema: string, collation: string): string[] {
  return [
    ...IDENTITY_COLUMNS.map(
      (column) => `ALTER TABLE ${table} ADD ${column}_new nvarchar(200) COLLATE ${collation} NULL`,
    ),
    `UPDATE ${table} SET ${IDENTITY_COLUMNS.map((column) => `${column}_new = ${column}`).join(', ')}`,
    ...IDENTITY_COLUMNS.flatMap((column) => [
      `ALTER TABLE ${table} DROP COLUMN ${column}`,
      `EXEC sp_rename '${schema}.background_tasks.${column}_new', '${column}', 'COLUMN'`,
    ]),
    `ALTER TABLE ${table} ADD CONSTRAINT CK_background_tasks_name CHECK (name IS NOT NULL)`,
  ];
}

/**
 * `id_order`: an id as text, whose order is the order the ids were made in, a UUIDv7's hex digits most
 * significant first (shared/uuid-v7.ts). SQL Server orders uniqueidentifier by its last six bytes first, so
 * the id itself is not time-ordered there. Written by every insert as `CONVERT(char(36), id)` (upper case);
 * a keyset cursor binds its id the same way (`sqlServerIdOrder`). Not a computed column: Babelfish refuses
 * a persisted CONVERT of a uniqueidentifier (not immutable in PostgreSQL).
 */
function addIdOrder(table: string, name: string): string[] {
  return [
    `ALTER TABLE ${table} ADD id_order char(36) COLLATE ${BINARY} NULL`,
    `UPDATE ${table} SET id_order = CONVERT(char(36), id)`,
    `ALTER TABLE ${table} ADD CONSTRAINT CK_${name}_id_order CHECK (id_order IS NOT NULL)`,
  ];
}

/** Runs the statements on SQL Server only, given the two tables' qualified names and the schema. */
async function onSqlServer(
  queryRunner: QueryRunner,
  statements: (tasks: string, items: string, schema: string) => string[],
): Promise<void> {
  const db = new MigrationContext(queryRunner);
  const sqlserver =
    db.engine === 'sqlserver'
      ? statements(db.table('background_tasks'), db.table('content_items'), db.schema!)
      : [];
  await db.run({ sqlite: [], postgres: [], sqlserver });
}

/**
 * SQL Server only: identity-comparing text columns in a binary collation (the task name, its creator, its
 * idempotency key; lease owners are made by the workers and never differ by case alone), and the creation
 * order (`id_order`) for the claim, the task list and the item pages, where the other engines use the id.
 * Also the claim index carries the task name (the claim filters by it without a lookup) and an index serves
 * lease renewal by owner. Every index on a changed column is dropped first and rebuilt after.
 */
export class SqlServerBinaryKeysAndCreationOrder1765200000000 implements MigrationInterface {
  name = 'SqlServerBinaryKeysAndCreationOrder1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await onSqlServer(queryRunner, (t, items, schema) => [
      `DROP INDEX UX_background_tasks_idempotency_key ON ${t}`,
      `DROP INDEX IX_background_tasks_created_by ON ${t}`,
      `DROP INDEX IX_background_tasks_claim ON ${t}`,
      `DROP INDEX IX_background_tasks_created ON ${t}`,
      ...recollate(t, schema, BINARY),
      ...addIdOrder(t, 'background_tasks'),
      `CREATE UNIQUE CLUSTERED INDEX IX_background_tasks_created ON ${t} (id_order)`,
      `CREATE INDEX IX_background_tasks_claim ON ${t} (priority DESC, run_after, id_order) INCLUDE (name)
           WHERE status = 'enqueued'`,
      `CREATE INDEX IX_background_tasks_lease_owner ON ${t} (lease_owner) WHERE status = 'processing'`,
      `CREATE INDEX IX_background_tasks_created_by ON ${t} (created_by, id_order DESC)
           WHERE created_by IS NOT NULL`,
      `CREATE UNIQUE INDEX UX_background_tasks_idempotency_key ON ${t} (idempotency_key)
           WHERE idempotency_key IS NOT NULL`,
      `DROP INDEX IX_content_items_created ON ${items}`,
      `DROP INDEX IX_content_items_updated ON ${items}`,
      ...addIdOrder(items, 'content_items'),
      `CREATE CLUSTERED INDEX IX_content_items_created ON ${items} (content_type_id, created_at, id_order)`,
      `CREATE INDEX IX_content_items_updated ON ${items} (content_type_id, updated_at, id_order)`,
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await onSqlServer(queryRunner, (t, items, schema) => [
      `DROP INDEX IX_content_items_updated ON ${items}`,
      `DROP INDEX IX_content_items_created ON ${items}`,
      `ALTER TABLE ${items} DROP CONSTRAINT CK_content_items_id_order`,
      `ALTER TABLE ${items} DROP COLUMN id_order`,
      `CREATE CLUSTERED INDEX IX_content_items_created ON ${items} (content_type_id, created_at, id)`,
      `CREATE INDEX IX_content_items_updated ON ${items} (content_type_id, updated_at, id)`,
      `DROP INDEX UX_background_tasks_idempotency_key ON ${t}`,
      `DROP INDEX IX_background_tasks_created_by ON ${t}`,
      `DROP INDEX IX_background_tasks_lease_owner ON ${t}`,
      `DROP INDEX IX_background_tasks_claim ON ${t}`,
      `DROP INDEX IX_background_tasks_created ON ${t}`,
      `ALTER TABLE ${t} DROP CONSTRAINT CK_background_tasks_id_order`,
      `ALTER TABLE ${t} DROP COLUMN id_order`,
      `ALTER TABLE ${t} DROP CONSTRAINT CK_background_tasks_name`,
      ...recollate(t, schema, 'DATABASE_DEFAULT'),
      `CREATE CLUSTERED INDEX IX_background_tasks_created ON ${t} (created_at, id)`,
      `CREATE INDEX IX_background_tasks_claim ON ${t} (priority DESC, run_after, id) WHERE status = 'enqueued'`,
      `CREATE INDEX IX_background_tasks_created_by ON ${t} (created_by, created_at DESC, id DESC)
           WHERE created_by IS NOT NULL`,
      `CREATE UNIQUE INDEX UX_background_tasks_idempotency_key ON ${t} (idempotency_key)
           WHERE idempotency_key IS NOT NULL`,
    ]);
  }
}
