import { CLAIMED_COLUMNS } from '../task-row-mapper.js';
import { outputOf } from './sqlserver-statements.js';

/**
 * The statements of a flow-controlled claim (flow/flow-claim.ts) and of pausing, on SQL Server. The claim
 * runs them in one READ COMMITTED transaction; `lock` updates the name's row of background_task_queues,
 * and that exclusive row lock, held to the commit, makes the claims of one name take turns (also on
 * Babelfish, whose UPDATE locks the row as PostgreSQL does). Plain claims never take a flow-controlled
 * name, and SQL Server hands no task over at its insert, so no one else moves these tasks into processing.
 * SQL Server allows no TOP and no sub-query in the recursive part of a CTE, so the store walks the keys
 * with one `nextKey` probe each.
 */
/** NO_KEY as SQL: NULL (a task enqueued before its kind went by key) and '' count as one key. */
const NO_KEY_SQL = "N''";

export function sqlserverFlowStatements(schema: string) {
  const t = `[${schema}].[background_tasks]`;
  const queues = `[${schema}].[background_task_queues]`;
  const starts = `[${schema}].[background_task_starts]`;
  const candidate = `id, COALESCE(concurrency_key, N'') AS [key], priority, run_after, id_order AS [order]`;
  return {
    lock: `
      UPDATE ${queues} SET claimed_at = SYSUTCDATETIME()
      OUTPUT inserted.paused, inserted.fair_cursor
      WHERE name = @0`,
    // The first claim of a name makes its row, before its transaction; two at once: one meets the primary key.
    insertQueue: `
      INSERT INTO ${queues} (name) SELECT @0 WHERE NOT EXISTS (SELECT 1 FROM ${queues} WHERE name = @0)`,
    // Read after the lock was granted (SQL Server evaluates SYSUTCDATETIME once per statement, at its start).
    now: `SELECT SYSUTCDATETIME() AS now`,

    running: `
      SELECT COALESCE(concurrency_key, ${NO_KEY_SQL}) AS [key], COUNT(*) AS count FROM ${t}
      WHERE status = 'processing' AND name = @0
      GROUP BY COALESCE(concurrency_key, ${NO_KEY_SQL})`,

    // One probe of the filtered index on keyed waiting rows; @1 NULL: the first key.
    nextKey: `
      SELECT TOP (1) concurrency_key AS [key] FROM ${t} WITH (INDEX (IX_background_tasks_keyed_claim))
      WHERE status = 'enqueued' AND concurrency_key IS NOT NULL AND name = @0
        AND (@1 IS NULL OR concurrency_key > @1)
      ORDER BY name, concurrency_key`,

    startsSince: `
      SELECT scope, COUNT(*) AS count FROM ${starts}
      WHERE scope IN (SELECT value FROM OPENJSON(@0)) AND started_at > @1
      GROUP BY scope`,

    candidatesOfAnyKey: `
      SELECT TOP (@1) ${candidate} FROM ${t} WITH (INDEX (IX_background_tasks_claim))
      WHERE status = 'enqueued' AND run_after <= SYSUTCDATETIME() AND name = @0
      ORDER BY priority DESC, run_after, id_order`,

    // Up to @2 due tasks of each key listed in @1, each key's in queue order.
    candidatesOfKeys: `
      SELECT c.* FROM OPENJSON(@1) AS k
      CROSS APPLY (
        SELECT TOP (@2) ${candidate} FROM ${t} WITH (INDEX (IX_background_tasks_keyed_claim))
        WHERE status = 'enqueued' AND concurrency_key IS NOT NULL AND name = @0 AND concurrency_key = k.value
          AND run_after <= SYSUTCDATETIME()
        ORDER BY name, concurrency_key, priority DESC, run_after, id_order) AS c`,

    claim: `
      UPDATE t
      SET status = 'processing', lease_owner = @1, lease_expires_at = DATEADD(millisecond, @2, SYSUTCDATETIME()),
          attempts = t.attempts + 1, started_at = SYSUTCDATETIME(), updated_at = SYSUTCDATETIME()
      OUTPUT ${outputOf(CLAIMED_COLUMNS)}
      FROM ${t} AS t WITH (ROWLOCK)
      WHERE t.status = 'enqueued' AND t.id IN (SELECT CONVERT(uniqueidentifier, value) FROM OPENJSON(@0))`,

    recordStarts: `INSERT INTO ${starts} (scope, started_at) SELECT value, @1 FROM OPENJSON(@0)`,
    // The name's scopes: the name itself, and `name#key` (names hold no '#').
    pruneStarts: `
      DELETE FROM ${starts}
      WHERE (scope = @0 OR LEFT(scope, LEN(@0) + 1) = CONCAT(@0, '#')) AND started_at <= @1`,

    adoptUnkeyed: `UPDATE ${t} SET concurrency_key = N'' WHERE name = @0 AND concurrency_key IS NULL AND status IN ('enqueued', 'suspended')`,

    saveCursor: `UPDATE ${queues} SET fair_cursor = @1 WHERE name = @0`,

    setPaused: `
      UPDATE ${queues} SET paused = @1, paused_at = @2, paused_by = @3 WHERE name = @0;
      IF @@ROWCOUNT = 0
        INSERT INTO ${queues} (name, paused, paused_at, paused_by) VALUES (@0, @1, @2, @3)`,

    // @0: one name, or NULL for every name.
    queueStates: `SELECT name, paused, paused_at, paused_by FROM ${queues} WHERE @0 IS NULL OR name = @0`,

    // Every row: the finished ones included, which no filtered index holds (an operator's page, not a hot path).
    countsByName: `
      SELECT name, status, COUNT(*) AS count FROM ${t} WHERE @0 IS NULL OR name = @0 GROUP BY name, status`,
  };
}
