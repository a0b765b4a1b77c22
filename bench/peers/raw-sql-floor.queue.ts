/**
 * The raw SQL floor: the fastest plain PostgreSQL queue we know how to write with the `pg` driver and no
 * library, to show what the database itself allows on this machine. A task is a row that goes
 * waiting → running → done; workers claim 50 rows at a time with FOR UPDATE SKIP LOCKED and mark them done
 * with one UPDATE per batch, and idle workers are woken by NOTIFY instead of polling.
 */
import pg from 'pg';
import type {
  BenchPayload,
  QueueFactory,
  QueueSettings,
  QueueUnderTest,
  RunningWorker,
  WorkerOptions,
} from '../harness/queue-under-test.js';

/** Rows claimed per query: the same batch as pg-boss's fetch, and enough to make claiming cheap. */
const CLAIM_BATCH = 50;
/** An idle loop looks for work at least this often, in case a notification was missed. */
const POLL_FALLBACK_MS = 500;

/**
 * The statements, for the harness's schema. Only the inserts run as named (prepared) statements: the
 * others read the tasks table, and a worker would prepare them while the table is still empty. A
 * statement without parameters keeps the plan it got then (a sequential scan, fine for an empty table,
 * ruinous for 50,000 rows, which cut the drain to a quarter), so they are planned at each execution.
 */
function statements(schema: string) {
  const tasks = `${pg.escapeIdentifier(schema)}.tasks`;
  return {
    // The partial index holds only the waiting rows, so the claim finds them without stepping over the
    // running and done ones: the row versions written by the claim and the completion never enter it.
    // The statement-level trigger sends one notification per INSERT, however many rows it adds, on a
    // channel named after the schema (so that scenarios never wake each other's workers).
    create: `
      CREATE TABLE ${tasks} (
        id bigserial PRIMARY KEY,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'waiting'
      );
      CREATE INDEX tasks_waiting ON ${tasks} (id) WHERE status = 'waiting';
      CREATE FUNCTION ${pg.escapeIdentifier(schema)}.notify_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          PERFORM pg_notify(TG_TABLE_SCHEMA, '');
          RETURN NULL;
        END
      $$;
      CREATE TRIGGER tasks_inserted AFTER INSERT ON ${tasks}
        FOR EACH STATEMENT EXECUTE FUNCTION ${pg.escapeIdentifier(schema)}.notify_tasks();`,
    listen: `LISTEN ${pg.escapeIdentifier(schema)}`,
    enqueue: `INSERT INTO ${tasks} (payload) VALUES ($1)`,
    // The whole batch travels as one JSON array parameter and is unpacked by the server.
    enqueueBatch: `INSERT INTO ${tasks} (payload) SELECT value FROM jsonb_array_elements($1::jsonb)`,
    claim: `
      UPDATE ${tasks} SET status = 'running'
      WHERE id IN (
        SELECT id FROM ${tasks} WHERE status = 'waiting' ORDER BY id LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED
      )
      RETURNING id, payload`,
    complete: `UPDATE ${tasks} SET status = 'done' WHERE id = ANY($1::bigint[])`,
    // min(id) finds a waiting row with one probe of the partial index. Running rows have no index;
    // that scan only happens once nothing is waiting, at the very end of a drain.
    hasUnfinished: `
      SELECT (SELECT min(id) FROM ${tasks} WHERE status = 'waiting') IS NOT NULL
          OR EXISTS (SELECT 1 FROM ${tasks} WHERE status = 'running') AS unfinished`,
  };
}

async function connect(settings: QueueSettings): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: settings.databaseUrl });
  await client.connect();
  return client;
}

const createRawSqlFloor: QueueFactory = async (settings: QueueSettings): Promise<QueueUnderTest> => {
  const sql = statements(settings.schema);
  // One connection, not a pool: the harness enqueues one call at a time, so a pool's checkout and
  // release would only add overhead.
  const client = await connect(settings);
  return {
    library: 'raw SQL floor',
    configuration: `pg, batch claim ${CLAIM_BATCH} with SKIP LOCKED, batch complete, 8 loops`,
    prepare: async () => {
      await client.query(sql.create);
    },
    enqueue: async (payload: BenchPayload) => {
      await client.query({ name: 'enqueue', text: sql.enqueue, values: [payload] });
    },
    enqueueBatch: async (count: number) => {
      const payloads = JSON.stringify(Array.from({ length: count }, () => ({})));
      await client.query({ name: 'enqueue-batch', text: sql.enqueueBatch, values: [payloads] });
    },
    hasUnfinished: async () => {
      const { rows } = await client.query<{ unfinished: boolean }>(sql.hasUnfinished);
      return rows[0].unfinished;
    },
    startWorker: (options: WorkerOptions) => startWorker(settings, options),
    close: () => client.end(),
  };
};

/**
 * `concurrency` loops, each on a connection of its own, each running the handlers of its batch one after
 * another (so that at most `concurrency` handlers run at once), plus one connection that listens.
 */
async function startWorker(settings: QueueSettings, options: WorkerOptions): Promise<RunningWorker> {
  const sql = statements(settings.schema);
  const handler = async (payload: BenchPayload) => options.onTaskStart(payload);
  let stopping = false;

  // Every notification wakes every idle loop: a bulk insert is one notification for many batches.
  // The counter closes the gap between a loop's empty claim and its going to sleep: a notification that
  // arrived in between makes it claim again at once instead of sleeping through it.
  let notifications = 0;
  const sleepers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of sleepers) wake();
  };
  const idle = () =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, POLL_FALLBACK_MS);
      sleepers.add(wake);
    });

  const listener = await connect(settings);
  listener.on('notification', () => {
    notifications++;
    wakeAll();
  });
  await listener.query(sql.listen);

  const loop = async (client: pg.Client) => {
    while (!stopping) {
      const seen = notifications;
      const { rows } = await client.query<{ id: string; payload: BenchPayload }>(sql.claim);
      if (rows.length === 0) {
        if (seen === notifications && !stopping) await idle();
        continue;
      }
      for (const row of rows) await handler(row.payload);
      await client.query(sql.complete, [rows.map((row) => row.id)]);
    }
  };
  const clients = await Promise.all(Array.from({ length: options.concurrency }, () => connect(settings)));
  const loops = clients.map(loop);

  return {
    stop: async () => {
      stopping = true;
      wakeAll();
      await Promise.all(loops); // each finishes (and completes) the batch in hand
      await Promise.all([listener, ...clients].map((client) => client.end()));
    },
  };
}

export default createRawSqlFloor;
