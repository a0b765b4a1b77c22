import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * The workers' heartbeats (README "Operator console"): one row per worker process, written when it starts
 * and then every third of its lease (at most every 5 s), deleted when it stops cleanly. A row not written
 * for its `lease_duration_ms` is a worker that is gone (killed, frozen, cut off); one not written for ten
 * times that is deleted by the queue maintenance of any worker. `running` is the JSON list of the tasks it
 * runs. The table stays as small as the fleet, so no index beyond the key.
 */
export class WorkerHeartbeats1765400000000 implements MigrationInterface {
  name = 'WorkerHeartbeats1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const workers = db.table('background_task_workers');
    await db.run({
      sqlite: [
        `CREATE TABLE ${workers} (
           id TEXT NOT NULL PRIMARY KEY,
           host TEXT NOT NULL,
           pid INTEGER NOT NULL,
           role TEXT NOT NULL,
           concurrency INTEGER NOT NULL,
           slots_in_use INTEGER NOT NULL,
           prefetched INTEGER NOT NULL,
           lease_duration_ms INTEGER NOT NULL,
           stalled INTEGER NOT NULL,
           running TEXT NOT NULL,
           started_at TEXT NOT NULL,
           last_claim_at TEXT,
           last_seen_at TEXT NOT NULL)`,
      ],
      postgres: [
        `CREATE TABLE ${workers} (
           id varchar(300) NOT NULL PRIMARY KEY,
           host varchar(255) NOT NULL,
           pid integer NOT NULL,
           role varchar(20) NOT NULL,
           concurrency integer NOT NULL,
           slots_in_use integer NOT NULL,
           prefetched integer NOT NULL,
           lease_duration_ms integer NOT NULL,
           stalled boolean NOT NULL,
           running text NOT NULL,
           started_at timestamptz NOT NULL,
           last_claim_at timestamptz,
           last_seen_at timestamptz NOT NULL)`,
      ],
      sqlserver: [
        `CREATE TABLE ${workers} (
           id nvarchar(300) COLLATE Latin1_General_BIN2 NOT NULL CONSTRAINT PK_background_task_workers PRIMARY KEY,
           host nvarchar(255) NOT NULL,
           pid int NOT NULL,
           role nvarchar(20) NOT NULL,
           concurrency int NOT NULL,
           slots_in_use int NOT NULL,
           prefetched int NOT NULL,
           lease_duration_ms int NOT NULL,
           stalled bit NOT NULL,
           running nvarchar(max) NOT NULL,
           started_at datetime2(3) NOT NULL,
           last_claim_at datetime2(3) NULL,
           last_seen_at datetime2(3) NOT NULL)`,
      ],
    });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    const drop = `DROP TABLE ${db.table('background_task_workers')}`;
    await db.run({ sqlite: [drop], postgres: [drop], sqlserver: [drop] });
  }
}
