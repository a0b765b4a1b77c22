import { keyWalkStatements } from '../key-walk-statements.js';
import { CLAIMED_WITH_EPOCH_TIMES, notificationChannel } from './postgres-statements.js';

/**
 * The statements of a flow-controlled claim (flow/flow-claim.ts) and of pausing, on PostgreSQL. The claim
 * runs them on one connection in one transaction; `lock` upserts the name's row of background_task_queues,
 * and its row lock, held to the commit, makes the claims of one name take turns. Each later statement reads
 * a fresh READ COMMITTED snapshot, taken after the lock was granted: it sees the tasks the previous holder
 * claimed. Plain claims never take a flow-controlled name (the worker leaves those names out of them), and
 * no task of such a name is handed over at its insert, so no one else moves these tasks into processing.
 */
/** NO_KEY as SQL: NULL (a task enqueued before its kind went by key) and '' count as one key. */
const NO_KEY_SQL = "''";

export function postgresFlowStatements(schema: string) {
  const t = `"${schema}"."background_tasks"`;
  const queues = `"${schema}"."background_task_queues"`;
  const starts = `"${schema}"."background_task_starts"`;
  const candidate = `id, COALESCE(concurrency_key, '') AS key, priority, run_after, id::text AS "order"`;
  return {
    // Like the claim function: no sort plans (the statistics of a queue table are always out of date) and
    // no wait for the WAL flush, except for a rate-limited name ($2), whose starts must outlive a crash.
    begin: `
      SELECT set_config('enable_sort', 'off', true),
             set_config('synchronous_commit', CASE WHEN $1 THEN 'on' ELSE 'off' END, true)`,

    // clock_timestamp(), not now(): read after the row lock was granted, so successive holders read
    // increasing times, which the rate window depends on.
    lock: `
      INSERT INTO ${queues} AS q (name, claimed_at) VALUES ($1, clock_timestamp())
      ON CONFLICT (name) DO UPDATE SET claimed_at = clock_timestamp()
      RETURNING q.paused, q.fair_cursor, (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS now_ms`,

    // The processing partial index holds only the running set.
    running: `
      SELECT COALESCE(concurrency_key, ${NO_KEY_SQL}) AS key, count(*)::int AS count FROM ${t}
      WHERE status = 'processing' AND name = $1
      GROUP BY COALESCE(concurrency_key, ${NO_KEY_SQL})`,

    ...keyWalkStatements(t, { name: '$1', count: '$2', after: '$3' }),

    startsSince: `
      SELECT scope, count(*)::int AS count FROM ${starts}
      WHERE scope = ANY($1::text[]) AND started_at > $2
      GROUP BY scope`,

    // The claim index in queue order, stopped after $2 rows.
    candidatesOfAnyKey: `
      SELECT ${candidate} FROM ${t}
      WHERE status = 'enqueued' AND run_after <= now() AND name = $1
      ORDER BY priority DESC, run_after, id LIMIT $2`,

    // For each key ($2) its first due tasks ($3 of them), each key's from the keyed claim index in order.
    candidatesOfKeys: `
      SELECT c.* FROM unnest($2::text[], $3::int[]) AS k(key, take)
      CROSS JOIN LATERAL (
        SELECT ${candidate} FROM ${t}
        WHERE status = 'enqueued' AND concurrency_key IS NOT NULL AND name = $1 AND concurrency_key = k.key
          AND run_after <= now()
        ORDER BY name, concurrency_key, priority DESC, run_after, id LIMIT k.take) AS c`,

    // By primary key. The status is checked as "none of the other states" on purpose: written as
    // `status = 'enqueued'` it matches the claim index's predicate, and with the statistics of a queue
    // table (which always believe a handful of rows wait) the planner walked that whole index for the ids
    // instead of probing the primary key: 43 ms a claim of 100 at 50,000 waiting, instead of 1 ms.
    claim: `
      UPDATE ${t}
      SET status = 'processing', lease_owner = $2, lease_expires_at = now() + $3 * interval '1 millisecond',
          attempts = attempts + 1, started_at = now(), updated_at = now()
      WHERE id = ANY($1::uuid[]) AND status NOT IN ('processing', 'suspended', 'completed', 'failed', 'cancelled')
      RETURNING ${CLAIMED_WITH_EPOCH_TIMES}`,

    recordStarts: `INSERT INTO ${starts} (scope, started_at) SELECT unnest($1::text[]), $2`,
    // The name's scopes: the name itself, and `name#key` (names hold no '#').
    pruneStarts: `
      DELETE FROM ${starts} WHERE (scope = $1 OR starts_with(scope, $1 || '#')) AND started_at <= $2`,

    adoptUnkeyed: `UPDATE ${t} SET concurrency_key = '' WHERE name = $1 AND concurrency_key IS NULL AND status IN ('enqueued', 'suspended')`,

    saveCursor: `UPDATE ${queues} SET fair_cursor = $2 WHERE name = $1`,

    // A resume announces the name's tasks, which wait to be claimed again.
    setPaused: `
      WITH changed AS (
        INSERT INTO ${queues} (name, paused, paused_at, paused_by) VALUES ($1, $2, $3, $4)
        ON CONFLICT (name) DO UPDATE
        SET paused = excluded.paused, paused_at = excluded.paused_at, paused_by = excluded.paused_by
        RETURNING paused)
      SELECT CASE WHEN NOT paused THEN pg_notify('${notificationChannel(schema)}', '') END FROM changed`,

    // $1: one name, or NULL for every name.
    queueStates: `SELECT name, paused, paused_at, paused_by FROM ${queues} WHERE $1::text IS NULL OR name = $1`,

    // Every row: the finished ones included, which no partial index holds (an operator's page, not a hot path).
    countsByName: `
      SELECT name, status, count(*)::int AS count FROM ${t} WHERE $1::text IS NULL OR name = $1 GROUP BY name, status`,
  };
}
