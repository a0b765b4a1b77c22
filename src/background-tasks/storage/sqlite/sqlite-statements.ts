import { ALL_COLUMNS, CLAIMED_COLUMNS, VIEW_COLUMNS } from '../task-row-mapper.js';

/**
 * The queue's SQL on SQLite. SQLite has one writer for the whole file: each statement below runs under that
 * write lock from start to end, so a statement that reads and then updates rows is atomic on its own.
 * Timestamps are bound by the store as ISO 8601 UTC text, which sorts like time.
 */
export function sqliteStatements() {
  return {
    insert: `
      INSERT INTO background_tasks (id, name, status, priority, run_after, attempts, max_attempts, created_by,
        idempotency_key, metadata, execution_metadata, created_at, updated_at, concurrency_key, trace_context)
      VALUES (?, ?, 'enqueued', ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id`,

    idByIdempotencyKey: 'SELECT id FROM background_tasks WHERE idempotency_key = ?',

    // An insert that is also a claim, for a task enqueued in a process whose worker has a free slot (see
    // TaskStore.enqueueClaimed): leased to @owner unless a due task of a kind this worker runs, of equal or
    // higher priority, waits ahead of it; then it is enqueued as by `insert`. One statement under the write
    // lock. (`WHERE true`: SQLite needs it between a SELECT and ON CONFLICT.)
    insertClaimed: `
      INSERT INTO background_tasks (id, name, status, priority, run_after, attempts, max_attempts, created_by,
        idempotency_key, metadata, execution_metadata, created_at, updated_at, concurrency_key, trace_context,
        lease_owner, lease_expires_at, started_at)
      SELECT @id, @name, CASE WHEN waiting THEN 'enqueued' ELSE 'processing' END, @priority, @runAfter,
             CASE WHEN waiting THEN 0 ELSE 1 END, @maxAttempts, @createdBy, @idempotencyKey, @metadata,
             @executionMetadata, @now, @now, @concurrencyKey, @traceContext,
             CASE WHEN waiting THEN NULL ELSE @owner END,
             CASE WHEN waiting THEN NULL ELSE @expires END, CASE WHEN waiting THEN NULL ELSE @now END
      FROM (SELECT EXISTS (
              SELECT 1 FROM background_tasks
              WHERE status = 'enqueued' AND run_after <= @now AND priority >= @priority
                AND name IN (SELECT value FROM json_each(@names))
            ) OR EXISTS (SELECT 1 FROM background_task_queues WHERE name = @name AND paused = 1) AS waiting)
      WHERE true
      ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING status, ${CLAIMED_COLUMNS}`,

    // A batch in one statement, from one JSON array of [id, metadata] pairs (see insert-parameters.ts).
    // Positional parameters, so that TypeORM's connection (inside a caller's transaction) can run it too:
    // name, priority, run after, max attempts, created by, now, now, concurrency key, trace context, pairs.
    insertMany: `
      INSERT INTO background_tasks (id, name, status, priority, run_after, attempts, max_attempts, created_by,
        metadata, created_at, updated_at, concurrency_key, trace_context)
      SELECT value ->> '$[0]', ?, 'enqueued', ?, ?, 0, ?, ?, value ->> '$[1]', ?, ?, ?, ?
      FROM json_each(?)`,

    // The sub-select and the update are one statement under the write lock: no other connection can claim
    // the same rows in between. The partial index on enqueued rows yields them in (priority DESC, run_after,
    // id) order, so LIMIT stops the index scan early however many finished rows the table holds.
    claim: `
      UPDATE background_tasks
      SET status = 'processing', lease_owner = @owner, lease_expires_at = @expires,
          attempts = attempts + 1, started_at = @now, updated_at = @now
      WHERE id IN (
        SELECT id FROM background_tasks
        WHERE status = 'enqueued' AND run_after <= @now
          AND name IN (SELECT value FROM json_each(@names))
          AND name NOT IN (SELECT name FROM background_task_queues WHERE paused = 1)
        ORDER BY priority DESC, run_after, id
        LIMIT @limit)
      RETURNING ${CLAIMED_COLUMNS}`,

    // Extends only rows still held by one of our claim rounds (a lease that moved on is never taken back),
    // and of those only the leases that expire before @renewBefore: a lease is written again once a third
    // of it is used, not at every heartbeat. The store runs it with heldLeases in one transaction.
    // The partial index on processing rows keeps these scans of running tasks only.
    renewLeases: `
      UPDATE background_tasks SET lease_expires_at = @expires
      WHERE status = 'processing' AND lease_owner IN (SELECT value FROM json_each(@owners))
        AND lease_expires_at < @renewBefore`,

    // Every task one of our claim rounds still holds, with its cancellation flag.
    heldLeases: `
      SELECT id, lease_owner, cancel_requested_at IS NOT NULL AS cancel_requested FROM background_tasks
      WHERE status = 'processing' AND lease_owner IN (SELECT value FROM json_each(@owners))`,

    // A crashed worker's tasks go back to the queue. The attempt it started counts (and is recorded in the
    // history), so a task that kills its worker every time ends `failed` after max_attempts instead of looping
    // forever. run_after stays as it was: the task has been due since then, so it goes to the front of the
    // queue and runs again at the next claim round, not after everything enqueued in the meantime.
    recoverExpiredLeases: `
      UPDATE background_tasks
      SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'enqueued' END,
          error = CASE WHEN attempts >= max_attempts THEN @error ELSE error END,
          attempt_errors = json_insert(COALESCE(attempt_errors, '[]'), '$[#]',
            json_object('attempt', attempts, 'at', @now, 'error', json(@error))),
          completed_at = CASE WHEN attempts >= max_attempts THEN @now ELSE NULL END,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE status = 'processing' AND lease_expires_at < @now`,

    // Suspended tasks whose time has come; the partial index on suspended rows keeps this scan small.
    resumeDueTasks: `
      UPDATE background_tasks
      SET status = 'enqueued', run_after = @now, resume_at = NULL, updated_at = @now
      WHERE status = 'suspended' AND resume_at <= @now`,

    // Fenced on the lease owner: a worker that lost its lease writes nothing.
    saveProgress: `
      UPDATE background_tasks SET task_step = ?, status_info = ?, percent_complete = ?, updated_at = ?
      WHERE id = ? AND lease_owner = ?`,

    // The checkpoint and the progress it was taken at, in one fenced write.
    checkpoint: `
      UPDATE background_tasks
      SET execution_metadata = ?, task_step = ?, status_info = ?, percent_complete = ?, updated_at = ?
      WHERE id = ? AND lease_owner = ?`,

    // One run's ending, fenced on the lease owner; the store runs a batch of these in one transaction.
    finish: `
      UPDATE background_tasks
      SET status = CASE WHEN @final OR cancel_requested_at IS NULL THEN @status ELSE 'cancelled' END,
          completed_at = CASE WHEN @final OR cancel_requested_at IS NOT NULL THEN @now ELSE NULL END,
          error = CASE WHEN NOT @final AND cancel_requested_at IS NOT NULL THEN @cancelledError
                       WHEN @keepError THEN error ELSE @errorJson END,
          result = COALESCE(@resultJson, result),
          attempt_errors = CASE WHEN @attemptErrorJson IS NULL THEN attempt_errors
                                ELSE json_insert(COALESCE(attempt_errors, '[]'), '$[#]', json(@attemptErrorJson)) END,
          attempts = attempts + @attemptsDelta, run_after = COALESCE(@runAfter, run_after), resume_at = @resumeAt,
          task_step = @step, status_info = @info, percent_complete = @percent,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id AND lease_owner = @leaseOwner`,

    cancelWaiting: `
      UPDATE background_tasks
      SET status = 'cancelled', error = ?, completed_at = ?, updated_at = ?, resume_at = NULL
      WHERE id = ? AND status IN ('enqueued', 'suspended')`,

    requestCancellation: `
      UPDATE background_tasks SET cancel_requested_at = COALESCE(cancel_requested_at, ?), updated_at = ?
      WHERE id = ? AND status = 'processing'`,

    resume: `
      UPDATE background_tasks
      SET status = 'enqueued', run_after = ?, resume_at = NULL, updated_at = ?,
          execution_metadata = COALESCE(?, execution_metadata)
      WHERE id = ? AND status = 'suspended'`,

    // A fresh budget of as many runs as the task had; attempts keep counting, so the attempt history
    // stays unambiguous.
    retry: `
      UPDATE background_tasks
      SET status = 'enqueued', max_attempts = attempts + max_attempts, run_after = ?, completed_at = NULL, cancel_requested_at = NULL,
          result = NULL, updated_at = ?
      WHERE id = ? AND status IN ('failed', 'cancelled')`,

    // Bounded: one sweep step deletes at most `limit` rows, oldest first, through the partial index on
    // finished rows, so the write lock is never held for long.
    deleteFinished: `
      DELETE FROM background_tasks
      WHERE id IN (
        SELECT id FROM background_tasks
        WHERE completed_at IS NOT NULL AND completed_at < ?
        ORDER BY completed_at
        LIMIT ?)
      RETURNING id`,

    // Three scalar sub-queries, each an index-only count over its partial index.
    activeCounts: `
      SELECT (SELECT COUNT(*) FROM background_tasks WHERE status = 'enqueued') AS enqueued,
             (SELECT COUNT(*) FROM background_tasks WHERE status = 'processing') AS processing,
             (SELECT COUNT(*) FROM background_tasks WHERE status = 'suspended') AS suspended`,

    // Times are ISO 8601 text in UTC: the first 16 characters are the minute.
    endingsPerMinute: `
      SELECT substr(completed_at, 1, 16) || ':00.000Z' AS minute, status, COUNT(*) AS count
      FROM background_tasks
      WHERE completed_at IS NOT NULL AND completed_at > ? AND status IN ('completed', 'failed')
      GROUP BY 1, 2`,

    oldestDue: `
      SELECT id, name, run_after FROM background_tasks
      WHERE status = 'enqueued' AND run_after <= ?
      ORDER BY run_after, id LIMIT 1`,

    findById: `SELECT ${ALL_COLUMNS} FROM background_tasks WHERE id = ?`,
    findViews: `SELECT ${VIEW_COLUMNS} FROM background_tasks WHERE id IN (SELECT value FROM json_each(?))`,

    // The workers' heartbeats: one row per worker process, written only by that worker.
    reportWorker: `
      INSERT INTO background_task_workers (id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET
        slots_in_use = excluded.slots_in_use, prefetched = excluded.prefetched, stalled = excluded.stalled,
        running = excluded.running, last_claim_at = excluded.last_claim_at, last_seen_at = excluded.last_seen_at`,
    forgetWorker: `DELETE FROM background_task_workers WHERE id = ?`,
    workers: `SELECT id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at, ? AS read_at FROM background_task_workers ORDER BY host, pid, id`,
    // now, GONE_WORKER_KEPT_LEASES: the times are ISO text, compared in days by julianday().
    removeGoneWorkers: `
      DELETE FROM background_task_workers
      WHERE (julianday(?) - julianday(last_seen_at)) * 86400000 > lease_duration_ms * ?`,
  };
}
