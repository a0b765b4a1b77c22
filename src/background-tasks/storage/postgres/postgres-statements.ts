import { ALL_COLUMNS, CLAIMED_COLUMNS, CLAIMED_TIMES, VIEW_COLUMNS } from '../task-row-mapper.js';

/**
 * The claimed columns with their timestamps as epoch milliseconds: pg parses a timestamptz from text with
 * a regular expression, a cost paid for every task a worker claims; a float8 arrives as a number.
 */
export const CLAIMED_WITH_EPOCH_TIMES = CLAIMED_TIMES.reduce(
  (columns, time) => columns.replace(time, `(extract(epoch FROM ${time}) * 1000)::float8 AS ${time}`),
  CLAIMED_COLUMNS,
);

/** The LISTEN/NOTIFY channel on which the statements below announce tasks that wait to be claimed. */
export const notificationChannel = (schema: string) => `${schema}.background_tasks`;

/** The expression that announces claimable tasks on the channel (see `announce` below). */
export const announcement = (schema: string) => `pg_notify('${notificationChannel(schema)}', '')`;

/**
 * The queue's SQL on PostgreSQL. Times come from the database clock (`now()`), so workers on several
 * machines agree on lease expiry whatever their own clocks say. `schema` is a validated identifier.
 */
export function postgresStatements(schema: string) {
  const t = `"${schema}"."background_tasks"`;
  const queues = `"${schema}"."background_task_queues"`;
  const workers = `"${schema}"."background_task_workers"`;
  // Every statement that makes a task claimable announces it to the workers LISTENing on the channel: an
  // insert of a waiting task, a resume, a retry. pg_notify is transactional (an enqueue inside a caller's
  // transaction is announced on its commit, never if it rolls back) and de-duplicated per transaction, so
  // each statement sends one notification at most, however many rows it wrote. (Migration 1765000000000
  // says why this is no longer an insert trigger: a hand-over has nothing to announce.)
  const announce = announcement(schema);
  return {
    insert: `
      WITH inserted AS (
        INSERT INTO ${t} (id, name, priority, run_after, max_attempts, created_by, idempotency_key, metadata,
          execution_metadata, concurrency_key, trace_context)
        VALUES ($1, $2, $3, COALESCE($4::timestamptz, now()), $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11)
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING id)
      SELECT id, ${announce} FROM inserted`,

    // An insert that is also a claim, for a task enqueued in a process whose worker has a free slot (see
    // TaskStore.enqueueClaimed): leased to $12 unless a due task of a kind this worker runs ($14), of equal
    // or higher priority, waits ahead of it; then it is enqueued (and announced) as by `insert`. A task
    // handed over is announced to nobody: no other worker could claim it, and a NOTIFY costs its commit a
    // lock of the notification queue and every listener a claim round for nothing (0.4 ms of a 2 ms
    // pickup here). Two inserts at once may both see nothing ahead and both hand over: each to a slot of
    // its own.
    // The look-ahead is the claim's own walk of the partial index on enqueued rows, stopped at the first
    // match, written as an ordered LIMIT 1 so that no statistics can make it anything else. As an EXISTS
    // (whose ORDER BY PostgreSQL drops) it was planned as a sequential scan whenever the last ANALYZE had
    // seen a full queue, "surely one of these many rows matches at once", and right after a burst, with
    // none left, it read the whole table for every enqueue: pickups of 35–46 ms instead of 2 ms.
    insertClaimed: `
      WITH inserted AS (
        INSERT INTO ${t} (id, name, priority, run_after, max_attempts, created_by, idempotency_key, metadata,
          execution_metadata, concurrency_key, trace_context, status, lease_owner, lease_expires_at, attempts,
          started_at)
        SELECT $1, $2, $3, COALESCE($4::timestamptz, now()), $5, $6, $7, $8::jsonb, $9::jsonb, $10, $11,
               CASE WHEN ahead.waiting THEN 'enqueued' ELSE 'processing' END,
               CASE WHEN ahead.waiting THEN NULL ELSE $12 END,
               CASE WHEN ahead.waiting THEN NULL ELSE now() + $13 * interval '1 millisecond' END,
               CASE WHEN ahead.waiting THEN 0 ELSE 1 END,
               CASE WHEN ahead.waiting THEN NULL ELSE now() END
        FROM (SELECT (
                SELECT true FROM ${t}
                WHERE status = 'enqueued' AND run_after <= now() AND priority >= $3 AND name = ANY($14::text[])
                ORDER BY priority DESC, run_after, id
                LIMIT 1
              ) IS NOT NULL
              OR EXISTS (SELECT 1 FROM ${queues} WHERE name = $2 AND paused) AS waiting) AS ahead
        ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
        RETURNING status, ${CLAIMED_WITH_EPOCH_TIMES})
      SELECT *, CASE WHEN status = 'enqueued' THEN ${announce} END FROM inserted`,

    // A batch in one statement: the shared columns once, the ids as one comma-separated text and the
    // metadata as one JSON array, zipped row by row by ROWS FROM.
    insertMany: `
      WITH inserted AS (
        INSERT INTO ${t} (id, name, priority, run_after, max_attempts, created_by, metadata, concurrency_key,
          trace_context)
        SELECT task.id, $2, $3, COALESCE($4::timestamptz, now()), $5, $6, task.metadata, $8, $9
        FROM ROWS FROM (unnest(string_to_array($1, ',')::uuid[]), jsonb_array_elements($7::jsonb))
          AS task(id, metadata)
        RETURNING 1 AS one)
      SELECT ${announce} FROM (SELECT one FROM inserted LIMIT 1) AS any_inserted`,

    // Read after an insert that did nothing: under READ COMMITTED this statement takes a fresh snapshot, in
    // which the concurrent insert that won the key (and made ours wait on the unique index) is committed.
    idByIdempotencyKey: `SELECT id FROM ${t} WHERE idempotency_key = $1`,

    // The claim is UPDATE … WHERE id IN (SELECT … ORDER BY … LIMIT $3 FOR UPDATE SKIP LOCKED) RETURNING,
    // inside a function that plans it with sorting disabled (migration 1764159200000 says why). SKIP LOCKED:
    // rows another worker is claiming right now are skipped, not waited for, so concurrent claimers never
    // block each other and never take the same row. The partial index on enqueued rows yields candidates in
    // (priority DESC, run_after, id) order and LIMIT stops the scan early, whatever the number of finished rows.
    claim: `SELECT ${CLAIMED_WITH_EPOCH_TIMES} FROM "${schema}".claim_background_tasks($1, $2, $3, $4::text[])`,

    // Reports every task one of our claim rounds still holds, with its cancellation flag (how a
    // cancellation reaches a running handler), and extends only the leases that expire within $3 ms: a
    // lease is written again once a third of it is used, not at every heartbeat, so short tasks are never
    // renewed (each renewal is a non-HOT update of the row). Both read one snapshot. After the row lock is
    // granted PostgreSQL re-checks the UPDATE's WHERE clause, so a lease that moved on meanwhile is never
    // taken back.
    renewLeases: `
      WITH renewed AS (
        UPDATE ${t} SET lease_expires_at = now() + $2 * interval '1 millisecond'
        WHERE status = 'processing' AND lease_owner = ANY($1::text[])
          AND lease_expires_at < now() + $3 * interval '1 millisecond'
        RETURNING id)
      SELECT id, lease_owner, cancel_requested_at IS NOT NULL AS cancel_requested FROM ${t}
      WHERE status = 'processing' AND lease_owner = ANY($1::text[])`,

    // A crashed worker's tasks go back to the queue. The attempt it started counts (and is recorded in the
    // history), so a task that kills its worker every time ends `failed` after max_attempts instead of looping
    // forever. run_after stays as it was: the task has been due since then, so it goes to the front of the
    // queue and runs again at the next claim round, not after everything enqueued in the meantime.
    // The partial index on processing rows keeps the scan as small as the running set.
    recoverExpiredLeases: `
      UPDATE ${t}
      SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'enqueued' END,
          error = CASE WHEN attempts >= max_attempts THEN $1::jsonb ELSE error END,
          attempt_errors = COALESCE(attempt_errors, '[]'::jsonb)
            || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', now(), 'error', $1::jsonb)),
          completed_at = CASE WHEN attempts >= max_attempts THEN now() END,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
      WHERE status = 'processing' AND lease_expires_at < now()`,

    // Suspended tasks whose time has come; the partial index on suspended rows keeps this scan small.
    resumeDueTasks: `
      UPDATE ${t}
      SET status = 'enqueued', run_after = now(), resume_at = NULL, updated_at = now()
      WHERE status = 'suspended' AND resume_at <= now()`,

    // Fenced on the lease owner: a worker that lost its lease writes nothing. The owner alone is the fence
    // (see finish); a status condition would only tempt the planner into the partial index of processing
    // rows instead of the primary key.
    saveProgress: `
      UPDATE ${t} SET task_step = $3, status_info = $4, percent_complete = $5, updated_at = now()
      WHERE id = $1 AND lease_owner = $2`,

    // The checkpoint and the progress it was taken at, in one fenced write.
    checkpoint: `
      UPDATE ${t}
      SET execution_metadata = $3::jsonb, task_step = $4, status_info = $5, percent_complete = $6, updated_at = now()
      WHERE id = $1 AND lease_owner = $2`,

    // The endings of many runs in one statement, each row fenced on its own lease owner; RETURNING tells
    // which were still held. A lease owner is set exactly while a task is `processing` (every statement
    // that moves a task on clears it), so the owner alone is the fence. A run that ends without a final
    // status while a cancellation was requested ends cancelled: decided here, under the row lock, so no
    // request is lost between the check and the write. background_task_endings reads the batch (migration
    // 1764850000000 says why through a function): the plan is a nested loop probing the primary key.
    finish: `
      UPDATE ${t} AS t
      SET status = CASE WHEN v.final OR t.cancel_requested_at IS NULL THEN v.status ELSE 'cancelled' END,
          completed_at = CASE WHEN v.final OR t.cancel_requested_at IS NOT NULL THEN now() END,
          error = CASE WHEN NOT v.final AND t.cancel_requested_at IS NOT NULL THEN $2::jsonb
                       WHEN v."keepError" THEN t.error ELSE v."errorJson"::jsonb END,
          result = COALESCE(v."resultJson"::jsonb, t.result),
          attempt_errors = CASE WHEN v."attemptErrorJson" IS NULL THEN t.attempt_errors
                                ELSE COALESCE(t.attempt_errors, '[]'::jsonb) || jsonb_build_array(v."attemptErrorJson"::jsonb) END,
          attempts = t.attempts + v."attemptsDelta", run_after = COALESCE(v."runAfter", t.run_after),
          resume_at = v."resumeAt", task_step = v.step, status_info = v.info, percent_complete = v.percent,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
      FROM "${schema}".background_task_endings($1::jsonb) AS v
      WHERE t.id = v.id AND t.lease_owner = v."leaseOwner"
      RETURNING t.id`,

    cancelWaiting: `
      UPDATE ${t}
      SET status = 'cancelled', error = $2::jsonb, completed_at = now(), updated_at = now(), resume_at = NULL
      WHERE id = $1 AND status IN ('enqueued', 'suspended')`,

    requestCancellation: `
      UPDATE ${t} SET cancel_requested_at = COALESCE(cancel_requested_at, now()), updated_at = now()
      WHERE id = $1 AND status = 'processing'`,

    resume: `
      WITH resumed AS (
        UPDATE ${t}
        SET status = 'enqueued', run_after = now(), resume_at = NULL, updated_at = now(),
            execution_metadata = COALESCE($2::jsonb, execution_metadata)
        WHERE id = $1 AND status = 'suspended'
        RETURNING id)
      SELECT id, ${announce} FROM resumed`,

    // A fresh budget of as many runs as the task had; attempts keep counting, so the attempt history
    // stays unambiguous.
    retry: `
      WITH retried AS (
        UPDATE ${t}
        SET status = 'enqueued', max_attempts = attempts + max_attempts, run_after = now(), completed_at = NULL, cancel_requested_at = NULL,
            result = NULL, updated_at = now()
        WHERE id = $1 AND status IN ('failed', 'cancelled')
        RETURNING id)
      SELECT id, ${announce} FROM retried`,

    // Bounded: one sweep step deletes at most $2 rows, oldest first, through the partial index on finished
    // rows. SKIP LOCKED lets two workers sweep at once without waiting on each other.
    deleteFinished: `
      DELETE FROM ${t}
      WHERE id IN (
        SELECT id FROM ${t}
        WHERE completed_at IS NOT NULL AND completed_at < $1
        ORDER BY completed_at
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
      RETURNING id`,

    // Three scalar sub-queries, each an index-only count over its partial index.
    activeCounts: `
      SELECT (SELECT COUNT(*) FROM ${t} WHERE status = 'enqueued') AS enqueued,
             (SELECT COUNT(*) FROM ${t} WHERE status = 'processing') AS processing,
             (SELECT COUNT(*) FROM ${t} WHERE status = 'suspended') AS suspended`,

    // The index of finished rows by completed_at holds exactly the rows of the window.
    endingsPerMinute: `
      SELECT date_trunc('minute', completed_at) AS minute, status, count(*)::int AS count FROM ${t}
      WHERE completed_at IS NOT NULL AND completed_at > $1 AND status IN ('completed', 'failed')
      GROUP BY 1, 2`,

    // A scan of the enqueued rows' partial index (it is ordered by priority first), then the oldest by
    // run_after: the waiting rows only, read when an operator's overview loads.
    oldestDue: `
      SELECT id, name, run_after FROM ${t}
      WHERE status = 'enqueued' AND run_after <= $1
      ORDER BY run_after, id LIMIT 1`,

    findById: `SELECT ${ALL_COLUMNS} FROM ${t} WHERE id = $1`,
    findViews: `SELECT ${VIEW_COLUMNS} FROM ${t} WHERE id = ANY($1::uuid[])`,

    // The workers' heartbeats: one row per worker process, written only by that worker (no two writers of
    // a row), so a plain upsert is safe; the time is the database's, which every worker shares.
    reportWorker: `
      INSERT INTO ${workers} (id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
      ON CONFLICT (id) DO UPDATE SET
        slots_in_use = EXCLUDED.slots_in_use, prefetched = EXCLUDED.prefetched, stalled = EXCLUDED.stalled,
        running = EXCLUDED.running, last_claim_at = EXCLUDED.last_claim_at, last_seen_at = EXCLUDED.last_seen_at`,
    forgetWorker: `DELETE FROM ${workers} WHERE id = $1`,
    workers: `SELECT id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at, now() AS read_at FROM ${workers} ORDER BY host, pid, id`,
    // $1: GONE_WORKER_KEPT_LEASES.
    removeGoneWorkers: `
      DELETE FROM ${workers} WHERE last_seen_at < now() - lease_duration_ms * $1 * interval '1 millisecond'`,
  };
}
