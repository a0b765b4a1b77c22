/**
 * The key walk of a flow claim on PostgreSQL and SQLite, which share its SQL and differ only in their
 * placeholders (SQL Server has no recursive `SELECT … LIMIT` in a CTE, and probes key by key instead).
 *
 * The next key after `after` among the name's waiting tasks is one probe of the keyed claim index; a
 * recursive walk of these probes is a skip scan: one probe per key, however many tasks each key holds.
 */
export interface KeyWalkPlaceholders {
  /** The task name. */
  readonly name: string;
  /** The most keys to return. */
  readonly count: string;
  /** The key to start after (`keysAfter` only). */
  readonly after: string;
}

export function keyWalkStatements(table: string, placeholder: KeyWalkPlaceholders) {
  const waitingKeys = `
    SELECT concurrency_key FROM ${table}
    WHERE status = 'enqueued' AND concurrency_key IS NOT NULL AND name = ${placeholder.name}`;
  const nextKey = (after: string) => `${waitingKeys} AND concurrency_key > ${after}
    ORDER BY name, concurrency_key LIMIT 1`;
  const keys = (first: string) => `
    WITH RECURSIVE waiting_key(key) AS (
      SELECT (${first})
      UNION ALL
      SELECT (${nextKey('waiting_key.key')}) FROM waiting_key WHERE waiting_key.key IS NOT NULL)
    SELECT key FROM waiting_key WHERE key IS NOT NULL LIMIT ${placeholder.count}`;
  return {
    /** Up to `count` keys with waiting tasks, in key order from the first. */
    keysFromFirst: keys(`${waitingKeys}
    ORDER BY name, concurrency_key LIMIT 1`),
    /** Up to `count` keys with waiting tasks, in key order after `after`. */
    keysAfter: keys(nextKey(placeholder.after)),
  };
}
