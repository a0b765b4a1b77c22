import { sqlServerIdOrderOf } from '../../../database/sqlserver-id-order.js';
import { ALL_COLUMNS, CLAIMED_COLUMNS, VIEW_COLUMNS } from '../task-row-mapper.js';

/** The OUTPUT list of an UPDATE that returns these columns as they are after it. */
export const outputOf = (columns: string) =>
  columns
    .split(',')
    .map((column) => `inserted.${column.trim()}`)
    .join(', ');

/** The columns of the endings' table value constructor in `finish` (ending-row.ts, endingValues). */
export const ENDING_COLUMNS = [
  'id',
  'leaseOwner',
  'status',
  'resultJson',
  'errorJson',
  'keepError',
  'attemptErrorJson',
  'attemptsDelta',
  'runAfter',
  'resumeAt',
  'final',
  'step',
  'info',
  '[percent]',
] as const;

/**
 * Appends a JSON value (text) to a JSON array column that may be NULL. Text, not JSON_MODIFY's
 * `'append $'`, which Babelfish does not support; the column only ever holds an array this wrote, so its
 * last character is the closing bracket.
 */
const appendJson = (column: string, value: string) =>
  `CASE WHEN ${column} IS NULL OR ${column} = '[]' THEN CONCAT('[', ${value}, ']')
        ELSE CONCAT(LEFT(${column}, LEN(${column}) - 1), ',', ${value}, ']') END`;

/**
 * The queue's SQL on SQL Server, with TypeORM's positional parameters (@0, @1, …). Times come from the
 * database clock (SYSUTCDATETIME), so workers on several machines agree on lease expiry. Lists of short
 * names (task names, lease owners) travel as one JSON parameter read with OPENJSON, which keeps the
 * statement's text, and so its cached plan, the same whatever the list's length. Batches of rows (a bulk
 * insert, run endings) travel as typed parameters instead, which Babelfish reads exactly
 * (database/sqlserver-values.ts); those statements are functions of their rows' SQL.
 * `schema` is a validated identifier.
 */
export function sqlserverStatements(schema: string) {
  const t = `[${schema}].[background_tasks]`;
  const queues = `[${schema}].[background_task_queues]`;
  const workers = `[${schema}].[background_task_workers]`;
  return {
    // Without an idempotency key, a plain insert: the key check below would take a range lock for nothing.
    insert: `
      INSERT INTO ${t} (id, id_order, name, priority, run_after, max_attempts, created_by, metadata,
        execution_metadata, concurrency_key, trace_context)
      VALUES (@0, ${sqlServerIdOrderOf('@0')}, @1, @2, COALESCE(@3, SYSUTCDATETIME()), @4, @5, @6, @7, @8, @9)`,

    // UPDLOCK + HOLDLOCK take a key-range lock on the idempotency key: a concurrent enqueue with the same key
    // waits here, then sees the committed row and inserts nothing.
    insertWithKey: `
      INSERT INTO ${t} (id, id_order, name, priority, run_after, max_attempts, created_by, idempotency_key,
        metadata, execution_metadata, concurrency_key, trace_context)
      OUTPUT inserted.id
      SELECT @0, ${sqlServerIdOrderOf('@0')}, @1, @2, COALESCE(@3, SYSUTCDATETIME()), @4, @5, @6, @7, @8, @9,
        @10
      WHERE NOT EXISTS (SELECT 1 FROM ${t} WITH (UPDLOCK, HOLDLOCK) WHERE idempotency_key = @6)`,

    idByIdempotencyKey: `SELECT id FROM ${t} WHERE idempotency_key = @0`,

    // A batch: the shared columns once (@0–@6), the tasks as rows `task(id, metadata)` of a table value
    // constructor (database/sqlserver-values.ts).
    insertMany: (tasks: string) => `
      INSERT INTO ${t} (id, id_order, name, priority, run_after, max_attempts, created_by, concurrency_key,
        trace_context, metadata)
      SELECT task.id, ${sqlServerIdOrderOf('task.id')}, @0, @1, COALESCE(@2, SYSUTCDATETIME()), @3, @4, @5,
        @6, task.metadata
      FROM ${tasks}`,

    // The ordered sub-query picks the next rows: UPDLOCK locks them until the statement's end, READPAST skips
    // rows other workers hold locked (instead of waiting for them), ROWLOCK keeps SQL Server from escalating
    // to page locks that would make concurrent claimers skip each other's unlocked rows. The outer UPDATE
    // takes exactly those rows (it holds their update locks already, so its READPAST skips none of them and
    // the status it checks again cannot have changed), and OUTPUT returns them without a second read.
    // The plan cannot drift: the index hint names the filtered index on enqueued rows, which holds the order
    // and the task name, so the sub-query reads it in order and stops after @0 rows, however many finished
    // rows the table holds. Lock escalation (at 5,000 locks of one statement) cannot turn the row locks into
    // a table lock: the store claims at most MAX_CLAIM_ROWS (500) rows a statement, a few locks each.
    // `id_order` is the creation order (migration 1765200000000): tasks of one batch share priority and
    // run_after and are claimed in the order they were enqueued.
    // Written as `UPDATE … WHERE id IN (SELECT TOP …)` rather than an UPDATE through an ordered CTE, which
    // SQL Server also accepts, because Babelfish refuses an UPDATE through a CTE. No TOP on the UPDATE
    // itself: the sub-query bounds it already, and Babelfish applies an UPDATE's TOP before its WHERE (a
    // claim of 10 over a table of finished rows took one task of two).
    claim: `
      UPDATE t
      SET status = 'processing', lease_owner = @2, lease_expires_at = DATEADD(millisecond, @3, SYSUTCDATETIME()),
          attempts = t.attempts + 1, started_at = SYSUTCDATETIME(), updated_at = SYSUTCDATETIME()
      OUTPUT ${outputOf(CLAIMED_COLUMNS)}
      FROM ${t} AS t WITH (UPDLOCK, READPAST, ROWLOCK)
      WHERE t.status = 'enqueued' AND t.id IN (
        SELECT TOP (@0) id
        FROM ${t} WITH (UPDLOCK, READPAST, ROWLOCK, INDEX (IX_background_tasks_claim))
        WHERE status = 'enqueued' AND run_after <= SYSUTCDATETIME()
          AND name IN (SELECT value FROM OPENJSON(@1))
          AND name NOT IN (SELECT name FROM ${queues} WITH (READPAST) WHERE paused = 1)
        ORDER BY priority DESC, run_after, id_order
      )`,

    // Extends only rows still held by one of our claim rounds (a lease that moved on is never taken back),
    // and of those only the leases that end within @2 ms; reports every held row, with its cancellation, so
    // one statement serves renewal and cancellation polling. The filtered index on (lease_owner) of
    // processing rows finds them. OUTPUT names plain columns only (Babelfish refuses an expression over
    // `inserted`).
    renewLeases: `
      UPDATE ${t}
      SET lease_expires_at = CASE WHEN lease_expires_at < DATEADD(millisecond, @2, SYSUTCDATETIME())
                                  THEN DATEADD(millisecond, @1, SYSUTCDATETIME()) ELSE lease_expires_at END
      OUTPUT inserted.id, inserted.lease_owner, inserted.cancel_requested_at
      WHERE status = 'processing' AND lease_owner IN (SELECT value FROM OPENJSON(@0))`,

    // A crashed worker's tasks go back to the queue. The attempt it started counts (and is recorded in the
    // history), so a task that kills its worker every time ends 'failed' after max_attempts instead of looping
    // forever. run_after stays as it was: the task has been due since then, so it goes to the front of the
    // queue and runs again at the next claim round, not after everything enqueued in the meantime.
    // READPAST leaves rows a live worker is writing right now to the next sweep; with UPDLOCK and ROWLOCK,
    // as the claim and Hangfire's sweeps have it, the hint stays valid under READ_COMMITTED_SNAPSHOT.
    recoverExpiredLeases: `
      UPDATE ${t} WITH (UPDLOCK, READPAST, ROWLOCK)
      SET status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'enqueued' END,
          error = CASE WHEN attempts >= max_attempts THEN @0 ELSE error END,
          attempt_errors = ${appendJson(
            'attempt_errors',
            `CONCAT('{"attempt":', attempts, ',"at":"', CONVERT(varchar(23), SYSUTCDATETIME(), 126), 'Z","error":', @0, '}')`,
          )},
          completed_at = CASE WHEN attempts >= max_attempts THEN SYSUTCDATETIME() ELSE NULL END,
          lease_owner = NULL, lease_expires_at = NULL, updated_at = SYSUTCDATETIME()
      WHERE status = 'processing' AND lease_expires_at < SYSUTCDATETIME()`,

    // Suspended tasks whose time has come; the filtered index on suspended rows keeps this scan small.
    // Hints as in recoverExpiredLeases.
    resumeDueTasks: `
      UPDATE ${t} WITH (UPDLOCK, READPAST, ROWLOCK)
      SET status = 'enqueued', run_after = SYSUTCDATETIME(), resume_at = NULL, updated_at = SYSUTCDATETIME()
      WHERE status = 'suspended' AND resume_at <= SYSUTCDATETIME()`,

    // Fenced on the lease owner: a worker that lost its lease writes nothing.
    saveProgress: `
      UPDATE ${t} SET task_step = @2, status_info = @3, percent_complete = @4, updated_at = SYSUTCDATETIME()
      WHERE id = @0 AND lease_owner = @1`,

    // The checkpoint and the progress it was taken at, in one fenced write.
    checkpoint: `
      UPDATE ${t}
      SET execution_metadata = @2, task_step = @3, status_info = @4, percent_complete = @5,
          updated_at = SYSUTCDATETIME()
      WHERE id = @0 AND lease_owner = @1`,

    // The endings of many runs in one statement, as rows `v(ENDING_COLUMNS)` of a table value constructor
    // (database/sqlserver-values.ts), each row fenced on its own lease owner; OUTPUT tells which were still
    // held. A run that ends without a final status while a cancellation was requested ends cancelled
    // (error @0), decided under the row lock. The endings are joined with a comma, not JOIN … ON: Babelfish
    // refuses an UPDATE with OUTPUT whose FROM has a JOIN (the two mean the same to SQL Server).
    finish: (endings: string) => `
      UPDATE t
      SET status = CASE WHEN v.final = 1 OR t.cancel_requested_at IS NULL THEN v.status ELSE 'cancelled' END,
          completed_at = CASE WHEN v.final = 1 OR t.cancel_requested_at IS NOT NULL THEN SYSUTCDATETIME() ELSE NULL END,
          error = CASE WHEN v.final = 0 AND t.cancel_requested_at IS NOT NULL THEN @0
                       WHEN v.keepError = 1 THEN t.error ELSE v.errorJson END,
          result = COALESCE(v.resultJson, t.result),
          attempt_errors = CASE WHEN v.attemptErrorJson IS NULL THEN t.attempt_errors
                                ELSE ${appendJson('t.attempt_errors', 'v.attemptErrorJson')} END,
          attempts = t.attempts + v.attemptsDelta, run_after = COALESCE(v.runAfter, t.run_after),
          resume_at = v.resumeAt, task_step = v.step, status_info = v.info, percent_complete = v.[percent],
          lease_owner = NULL, lease_expires_at = NULL, updated_at = SYSUTCDATETIME()
      OUTPUT inserted.id
      FROM ${t} AS t, ${endings}
      WHERE t.id = v.id AND t.lease_owner = v.leaseOwner`,

    cancelWaiting: `
      UPDATE ${t}
      SET status = 'cancelled', error = @1, completed_at = SYSUTCDATETIME(), updated_at = SYSUTCDATETIME(),
          resume_at = NULL
      WHERE id = @0 AND status IN ('enqueued', 'suspended')`,

    requestCancellation: `
      UPDATE ${t} SET cancel_requested_at = COALESCE(cancel_requested_at, SYSUTCDATETIME()),
          updated_at = SYSUTCDATETIME()
      WHERE id = @0 AND status = 'processing'`,

    resume: `
      UPDATE ${t}
      SET status = 'enqueued', run_after = SYSUTCDATETIME(), resume_at = NULL, updated_at = SYSUTCDATETIME(),
          execution_metadata = COALESCE(@1, execution_metadata)
      WHERE id = @0 AND status = 'suspended'`,

    // A fresh budget of as many runs as the task had; attempts keep counting, so the attempt history
    // stays unambiguous.
    retry: `
      UPDATE ${t}
      SET status = 'enqueued', max_attempts = attempts + max_attempts, run_after = SYSUTCDATETIME(), completed_at = NULL,
          cancel_requested_at = NULL, result = NULL, updated_at = SYSUTCDATETIME()
      WHERE id = @0 AND status IN ('failed', 'cancelled')`,

    // Bounded: one sweep step deletes at most @1 rows (the sweeper's 500: with a lock per index of a row,
    // below the 5,000 locks that escalate to a table lock), found through the filtered index on finished
    // rows. Hints as in recoverExpiredLeases: two workers sweep at once without waiting on each other.
    deleteFinished: `
      DELETE TOP (@1) FROM ${t} WITH (UPDLOCK, READPAST, ROWLOCK)
      OUTPUT deleted.id
      WHERE completed_at IS NOT NULL AND completed_at < @0`,

    // Three scalar sub-queries, each an index-only count over its partial index.
    activeCounts: `
      SELECT (SELECT COUNT(*) FROM ${t} WHERE status = 'enqueued') AS enqueued,
             (SELECT COUNT(*) FROM ${t} WHERE status = 'processing') AS processing,
             (SELECT COUNT(*) FROM ${t} WHERE status = 'suspended') AS suspended`,

    // The minute as whole minutes since 1900-01-01 added back to it (no date_trunc before SQL Server 2022).
    endingsPerMinute: `
      SELECT DATEADD(minute, DATEDIFF(minute, 0, completed_at), 0) AS minute, status, COUNT(*) AS count
      FROM ${t}
      WHERE completed_at IS NOT NULL AND completed_at > @0 AND status IN ('completed', 'failed')
      GROUP BY DATEADD(minute, DATEDIFF(minute, 0, completed_at), 0), status`,

    oldestDue: `
      SELECT TOP (1) id, name, run_after FROM ${t}
      WHERE status = 'enqueued' AND run_after <= @0
      ORDER BY run_after, id_order`,

    findById: `SELECT ${ALL_COLUMNS} FROM ${t} WHERE id = @0`,
    findViews: `SELECT ${VIEW_COLUMNS} FROM ${t} WHERE id IN (SELECT value FROM OPENJSON(@0))`,

    // The workers' heartbeats: one row per worker process, written only by that worker, so the update
    // that finds no row (its first beat) is followed by the insert without a race for the key.
    reportWorker: `
      UPDATE ${workers} SET slots_in_use = @5, prefetched = @6, stalled = @8, running = @9, last_claim_at = @11,
        last_seen_at = SYSUTCDATETIME()
      WHERE id = @0;
      IF @@ROWCOUNT = 0
        INSERT INTO ${workers} (id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at)
        VALUES (@0, @1, @2, @3, @4, @5, @6, @7, @8, @9, @10, @11, SYSUTCDATETIME())`,
    forgetWorker: `DELETE FROM ${workers} WHERE id = @0`,
    workers: `SELECT id, host, pid, role, concurrency, slots_in_use, prefetched, lease_duration_ms, stalled, running, started_at, last_claim_at, last_seen_at, SYSUTCDATETIME() AS read_at FROM ${workers} ORDER BY host, pid, id`,
    // @0: GONE_WORKER_KEPT_LEASES. DATEADD takes an int, which ten leases of a few days in milliseconds
    // would overflow: the seconds and the milliseconds of the lease are subtracted apart.
    removeGoneWorkers: `
      DELETE FROM ${workers}
      WHERE last_seen_at < DATEADD(millisecond, -(lease_duration_ms % 1000) * @0,
        DATEADD(second, -(lease_duration_ms / 1000) * @0, SYSUTCDATETIME()))`,
  };
}
