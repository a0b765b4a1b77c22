import { keyWalkStatements } from '../key-walk-statements.js';
import { CLAIMED_COLUMNS } from '../task-row-mapper.js';

/**
 * The statements of a flow-controlled claim (flow/flow-claim.ts) and of pausing, on SQLite. The claim runs
 * them in one IMMEDIATE transaction, synchronously: the write lock is the name's lock, and nothing else of
 * this process can run between them.
 */
/** NO_KEY as SQL: NULL (a task enqueued before its kind went by key) and '' count as one key. */
const NO_KEY_SQL = "''";

export function sqliteFlowStatements() {
  // The candidate columns: the key as stored ('' stands for none), the queue order's columns.
  const candidate = `id, COALESCE(concurrency_key, '') AS key, priority, run_after, id AS "order"`;
  return {
    lock: `
      INSERT INTO background_task_queues (name, claimed_at) VALUES (@name, @now)
      ON CONFLICT (name) DO UPDATE SET claimed_at = excluded.claimed_at
      RETURNING paused, fair_cursor`,

    // The processing partial index holds only the running set.
    running: `
      SELECT COALESCE(concurrency_key, ${NO_KEY_SQL}) AS key, COUNT(*) AS count FROM background_tasks
      WHERE status = 'processing' AND name = @name
      GROUP BY COALESCE(concurrency_key, ${NO_KEY_SQL})`,

    ...keyWalkStatements('background_tasks', { name: '@name', count: '@count', after: '@after' }),

    startsSince: `
      SELECT scope, COUNT(*) AS count FROM background_task_starts
      WHERE scope IN (SELECT value FROM json_each(@scopes)) AND started_at > @since
      GROUP BY scope`,

    // The claim index, in queue order, stopped after @take rows.
    candidatesOfAnyKey: `
      SELECT ${candidate} FROM background_tasks
      WHERE status = 'enqueued' AND run_after <= @now AND name = @name
      ORDER BY priority DESC, run_after, id LIMIT @take`,

    // One key's due tasks, from the keyed claim index in its queue order.
    candidatesOfKey: `
      SELECT ${candidate} FROM background_tasks
      WHERE status = 'enqueued' AND concurrency_key IS NOT NULL AND name = @name AND concurrency_key = @key
        AND run_after <= @now
      ORDER BY name, concurrency_key, priority DESC, run_after, id LIMIT @take`,

    // By primary key: `+status` keeps the planner from the partial index on enqueued rows (SQLite's way
    // of saying "not through an index"), which it could walk whole for the ids.
    claim: `
      UPDATE background_tasks
      SET status = 'processing', lease_owner = @owner, lease_expires_at = @expires,
          attempts = attempts + 1, started_at = @now, updated_at = @now
      WHERE id IN (SELECT value FROM json_each(@ids)) AND +status = 'enqueued'
      RETURNING ${CLAIMED_COLUMNS}`,

    recordStarts: `
      INSERT INTO background_task_starts (scope, started_at) SELECT value, @at FROM json_each(@scopes)`,
    // The name's scopes: the name itself, and `name#key` (names hold no '#').
    pruneStarts: `
      DELETE FROM background_task_starts
      WHERE (scope = @name OR substr(scope, 1, length(@name) + 1) = @name || '#') AND started_at <= @before`,

    adoptUnkeyed: `UPDATE background_tasks SET concurrency_key = '' WHERE name = @name AND concurrency_key IS NULL AND status IN ('enqueued', 'suspended')`,

    saveCursor: `UPDATE background_task_queues SET fair_cursor = @key WHERE name = @name`,

    setPaused: `
      INSERT INTO background_task_queues (name, paused, paused_at, paused_by) VALUES (@name, @paused, @at, @by)
      ON CONFLICT (name) DO UPDATE
      SET paused = excluded.paused, paused_at = excluded.paused_at, paused_by = excluded.paused_by`,

    // @name: one name, or NULL for every name.
    queueStates: `SELECT name, paused, paused_at, paused_by FROM background_task_queues WHERE @name IS NULL OR name = @name`,

    // Every row: the finished ones included, which no partial index holds (an operator's page, not a hot path).
    countsByName: `
      SELECT name, status, COUNT(*) AS count FROM background_tasks WHERE @name IS NULL OR name = @name
      GROUP BY name, status`,
  };
}
