import { ALL_COLUMNS, CLAIMED_COLUMNS } from '../task-row-mapper.js';

/** Columns of one run's ending, as `finish` reads them from a JSON array (see ending-row.ts). */
const ENDING_RECORD = `v(id uuid, "leaseOwner" text, status text, "resultJson" text, "errorJson" text,
  "keepError" boolean, "attemptsDelta" int, "runAfter" timestamptz, final boolean, step int, info text, percent int)`;

/** The LISTEN/NOTIFY channel the insert trigger of the migration announces new tasks on. */
export const notificationChannel = (schema: string) => `${schema}.background_tasks`;

/**
 * The queue's SQL on PostgreSQL. Times come from the database clock (`now()`), so workers on several
 * machines agree on lease expiry whatever their own clocks say. `schema` is a validated identifier.
 */
export function postgresStatements(schema: string) {
  const t = `"${schema}"."background_tasks"`;
  return {
    insert: `
      INSERT INTO ${t} (id, name, priority, run_after, max_attempts, created_by, idempotency_key, metadata,
        execution_metadata)
      VALUES ($1, $2, $3, COALESCE($4::timestamptz, now()), $5, $6, $7, $8::jsonb, $9::jsonb)
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id`,

    // Read after an insert that did nothing: under READ COMMITTED this statement takes a fresh snapshot, in
    // which the concurrent insert that won the key (and made ours wait on the unique index) is committed.
    idByIdempotencyKey: `SELECT id FROM ${t} WHERE idempotency_key = $1`,

    // FOR UPDATE SKIP LOCKED: rows another worker is claiming right now are skipped, not waited for, so
    // concurrent claimers never block each other and never take the same row. The partial index on
    // enqueued rows yields candidates in (priority DESC, run_after, id) order and LIMIT stops the scan early,
    // whatever the number of finished rows.
    claim: `
      UPDATE ${t} AS t
      SET status = 'processing', lease_owner = $1, lease_expires_at = now() + $2 * interval '1 millisecond',
          attempts = t.attempts + 1, started_at = now(), updated_at = now()
      WHERE t.id IN (
        SELECT id FROM ${t}
        WHERE status = 'enqueued' AND run_after <= now() AND name = ANY($4::text[])
        ORDER BY priority DESC, run_after, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED)
      RETURNING ${CLAIMED_COLUMNS}`,

    // Extends only rows still held by one of our claim rounds: after the row lock is granted PostgreSQL
    // re-checks the WHERE clause, so a lease that moved on in the meantime is never taken back.
    renewLeases: `
      UPDATE ${t} SET lease_expires_at = now() + $2 * interval '1 millisecond'
      WHERE status = 'processing' AND lease_owner = ANY($1::text[])
      RETURNING id, cancel_requested_at IS NOT NULL AS cancel_requested`,

    // A crashed worker's tasks go back to the queue. The attempt it started counts, so a task that kills its
    // worker every time ends `failed` after max_attempts instead of looping forever. The partial index on
    // processing rows keeps the scan as small as the number of running tasks.
    recoverExpiredLeases: `
      UPDATE ${t}
      SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'enqueued' END,
          error = CASE WHEN attempts >= max_attempts THEN $1::jsonb ELSE error END,
          completed_at = CASE WHEN attempts >= max_attempts THEN now() END,
          run_after = now(), lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
      WHERE status = 'processing' AND lease_expires_at < now()`,

    // Fenced on the lease owner: a worker that lost its lease writes nothing.
    saveProgress: `
      UPDATE ${t} SET task_step = $3, status_info = $4, percent_complete = $5, updated_at = now()
      WHERE id = $1 AND lease_owner = $2 AND status = 'processing'`,

    // The endings of many runs in one statement, each row fenced on its own lease owner; RETURNING tells
    // which were still held. One round trip per batch is what lets one process finish tens of thousands of
    // short tasks a second.
    finish: `
      UPDATE ${t} AS t
      SET status = v.status, result = COALESCE(v."resultJson"::jsonb, t.result),
          error = CASE WHEN v."keepError" THEN t.error ELSE v."errorJson"::jsonb END,
          attempts = t.attempts + v."attemptsDelta", run_after = COALESCE(v."runAfter", t.run_after),
          completed_at = CASE WHEN v.final THEN now() END,
          task_step = v.step, status_info = v.info, percent_complete = v.percent,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
      FROM jsonb_to_recordset($1::jsonb) AS ${ENDING_RECORD}
      WHERE t.id = v.id AND t.lease_owner = v."leaseOwner" AND t.status = 'processing'
      RETURNING t.id`,

    findById: `SELECT ${ALL_COLUMNS} FROM ${t} WHERE id = $1`,
  };
}
