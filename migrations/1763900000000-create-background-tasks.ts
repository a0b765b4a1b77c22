import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

const STATUSES = `'enqueued', 'processing', 'suspended', 'completed', 'failed', 'cancelled'`;

/**
 * The task table of the queue. Its indexes serve, in order of importance:
 * - the claim: due `enqueued` rows in (priority DESC, run_after, id) order. A partial (filtered) index holds
 *   only `enqueued` rows, so millions of finished rows never slow the claim down;
 * - the lease sweep: `processing` rows by lease expiry, again a partial index, small by construction;
 * - idempotent enqueues: a unique index on the key where there is one;
 * - listing newest first, and id look-ups (primary key).
 */
export class CreateBackgroundTasks1763900000000 implements MigrationInterface {
  name = 'CreateBackgroundTasks1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    const schema = db.schema ?? '';
    await db.run({
      sqlite: [
        `CREATE TABLE ${t} (
          id TEXT PRIMARY KEY NOT NULL,
          name TEXT NOT NULL,
          status TEXT NOT NULL DEFAULT 'enqueued' CHECK (status IN (${STATUSES})),
          priority INTEGER NOT NULL DEFAULT 0,
          run_after TEXT NOT NULL,
          attempts INTEGER NOT NULL DEFAULT 0,
          max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
          lease_owner TEXT,
          lease_expires_at TEXT,
          cancel_requested_at TEXT,
          created_by TEXT,
          idempotency_key TEXT,
          metadata TEXT NOT NULL CHECK (json_valid(metadata)),
          execution_metadata TEXT CHECK (execution_metadata IS NULL OR json_valid(execution_metadata)),
          result TEXT CHECK (result IS NULL OR json_valid(result)),
          error TEXT CHECK (error IS NULL OR json_valid(error)),
          task_step INTEGER,
          status_info TEXT,
          percent_complete INTEGER NOT NULL DEFAULT 0 CHECK (percent_complete BETWEEN 0 AND 100),
          created_at TEXT NOT NULL,
          updated_at TEXT NOT NULL,
          started_at TEXT,
          completed_at TEXT
        )`,
        `CREATE INDEX background_tasks_claim ON ${t} (priority DESC, run_after, id) WHERE status = 'enqueued'`,
        `CREATE INDEX background_tasks_lease ON ${t} (lease_expires_at) WHERE status = 'processing'`,
        `CREATE UNIQUE INDEX background_tasks_idempotency_key ON ${t} (idempotency_key) WHERE idempotency_key IS NOT NULL`,
        `CREATE INDEX background_tasks_created ON ${t} (created_at DESC, id DESC)`,
      ],
      postgres: [
        `CREATE TABLE ${t} (
          id uuid PRIMARY KEY,
          name varchar(200) NOT NULL,
          status varchar(16) NOT NULL DEFAULT 'enqueued' CHECK (status IN (${STATUSES})),
          priority integer NOT NULL DEFAULT 0,
          run_after timestamptz NOT NULL DEFAULT now(),
          attempts integer NOT NULL DEFAULT 0,
          max_attempts integer NOT NULL CHECK (max_attempts >= 1),
          lease_owner varchar(200),
          lease_expires_at timestamptz,
          cancel_requested_at timestamptz,
          created_by varchar(200),
          idempotency_key varchar(200),
          metadata jsonb NOT NULL,
          execution_metadata jsonb,
          result jsonb,
          error jsonb,
          task_step integer,
          status_info varchar(1000),
          percent_complete smallint NOT NULL DEFAULT 0 CHECK (percent_complete BETWEEN 0 AND 100),
          created_at timestamptz NOT NULL DEFAULT now(),
          updated_at timestamptz NOT NULL DEFAULT now(),
          started_at timestamptz,
          completed_at timestamptz
        )`,
        `CREATE INDEX background_tasks_claim ON ${t} (priority DESC, run_after, id) WHERE status = 'enqueued'`,
        `CREATE INDEX background_tasks_lease ON ${t} (lease_expires_at) WHERE status = 'processing'`,
        `CREATE UNIQUE INDEX background_tasks_idempotency_key ON ${t} (idempotency_key) WHERE idempotency_key IS NOT NULL`,
        `CREATE INDEX background_tasks_created ON ${t} (created_at DESC, id DESC)`,
        // Wakes every listening worker when tasks are inserted. NOTIFY is transactional: an enqueue inside a
        // caller's transaction is announced on commit, never before, and never if it rolls back. One
        // notification per statement (not per row) keeps bulk inserts cheap.
        `CREATE FUNCTION "${schema}".background_tasks_notify() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           PERFORM pg_notify(TG_TABLE_SCHEMA || '.background_tasks', '');
           RETURN NULL;
         END $$`,
        `CREATE TRIGGER background_tasks_inserted AFTER INSERT ON ${t}
         FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".background_tasks_notify()`,
      ],
      sqlserver: [
        `CREATE TABLE ${t} (
          id uniqueidentifier NOT NULL CONSTRAINT PK_background_tasks PRIMARY KEY NONCLUSTERED,
          name nvarchar(200) NOT NULL,
          status varchar(16) NOT NULL CONSTRAINT DF_background_tasks_status DEFAULT 'enqueued'
            CONSTRAINT CK_background_tasks_status CHECK (status IN (${STATUSES})),
          priority int NOT NULL CONSTRAINT DF_background_tasks_priority DEFAULT 0,
          run_after datetime2(3) NOT NULL CONSTRAINT DF_background_tasks_run_after DEFAULT SYSUTCDATETIME(),
          attempts int NOT NULL CONSTRAINT DF_background_tasks_attempts DEFAULT 0,
          max_attempts int NOT NULL CONSTRAINT CK_background_tasks_max_attempts CHECK (max_attempts >= 1),
          lease_owner nvarchar(200) NULL,
          lease_expires_at datetime2(3) NULL,
          cancel_requested_at datetime2(3) NULL,
          created_by nvarchar(200) NULL,
          idempotency_key nvarchar(200) NULL,
          metadata nvarchar(max) NOT NULL CONSTRAINT CK_background_tasks_metadata CHECK (ISJSON(metadata) = 1),
          execution_metadata nvarchar(max) NULL,
          result nvarchar(max) NULL,
          error nvarchar(max) NULL,
          task_step int NULL,
          status_info nvarchar(1000) NULL,
          percent_complete smallint NOT NULL CONSTRAINT DF_background_tasks_percent DEFAULT 0
            CONSTRAINT CK_background_tasks_percent CHECK (percent_complete BETWEEN 0 AND 100),
          created_at datetime2(3) NOT NULL CONSTRAINT DF_background_tasks_created_at DEFAULT SYSUTCDATETIME(),
          updated_at datetime2(3) NOT NULL CONSTRAINT DF_background_tasks_updated_at DEFAULT SYSUTCDATETIME(),
          started_at datetime2(3) NULL,
          completed_at datetime2(3) NULL
        )`,
        // UUIDv7 ids are time-ordered, but SQL Server compares uniqueidentifier from its last bytes first, so
        // the clustered index follows creation time instead, which also serves listing newest first.
        `CREATE CLUSTERED INDEX IX_background_tasks_created ON ${t} (created_at, id)`,
        `CREATE INDEX IX_background_tasks_claim ON ${t} (priority DESC, run_after, id) WHERE status = 'enqueued'`,
        `CREATE INDEX IX_background_tasks_lease ON ${t} (lease_expires_at) WHERE status = 'processing'`,
        `CREATE UNIQUE INDEX UX_background_tasks_idempotency_key ON ${t} (idempotency_key) WHERE idempotency_key IS NOT NULL`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const t = db.table('background_tasks');
    await db.run({
      sqlite: [`DROP TABLE ${t}`],
      postgres: [`DROP TABLE ${t}`, `DROP FUNCTION "${db.schema}".background_tasks_notify()`],
      sqlserver: [`DROP TABLE ${t}`],
    });
  }
}
