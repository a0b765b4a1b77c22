import pg from 'pg';
import { toEndingRow } from '../../src/background-tasks/storage/ending-row.js';
import { postgresStatements } from '../../src/background-tasks/storage/postgres/postgres-statements.js';
import { buildListQuery } from '../../src/background-tasks/storage/task-list-sql.js';
import { POSTGRES_DIRECT_URL, TestDatabase } from '../support/test-database.js';
import { insertParameters } from '../../src/background-tasks/storage/insert-parameters.js';
import { newTaskRow } from '../support/task-rows.js';

const postgres = process.env.TEST_POSTGRES_URL;

/**
 * A queue's statistics are always stale: right after a bulk enqueue into an empty queue the planner thinks a
 * handful of rows are waiting. The claim must still walk the claim index in order and stop after LIMIT
 * rows, rather than sort every waiting row (which made each claim round cost ~70 ms at 50,000 rows), and
 * the endings must still find their rows by primary key rather than scan the table (25 ms a batch at
 * 50,000 rows). auto_explain reports the plans the statements actually ran with.
 */
(postgres ? describe : describe.skip)('the PostgreSQL plans of the queue’s statements', () => {
  let database: TestDatabase;
  let client: pg.Client;
  const plans: string[] = [];

  beforeAll(async () => {
    database = await TestDatabase.create('postgres');
    // Sessions of their own here and below, past any pooler: auto_explain and named statements are
    // session state.
    client = new pg.Client({ connectionString: POSTGRES_DIRECT_URL });
    await client.connect();
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
  });

  afterAll(async () => {
    await client.end();
    await database.dispose();
  });

  it('walks the claim index in order when 20,000 tasks arrived since the last ANALYZE', async () => {
    const tasks = database.table('background_tasks');
    await client.query(
      `INSERT INTO ${tasks} (id, name, priority, run_after, max_attempts, metadata)
       SELECT gen_random_uuid(), 'test.noop', 0, now(), 3, '{}'::jsonb FROM generate_series(1, 20000)`,
    );
    await client.query(`LOAD 'auto_explain'`);
    await client.query('SET auto_explain.log_min_duration = 0');
    await client.query('SET auto_explain.log_nested_statements = on');
    await client.query('SET client_min_messages = log');

    const { rows } = await client.query(
      `SELECT id FROM "${database.env.SchemaName}".claim_background_tasks('test-owner', 30000, 8, ARRAY['test.noop'])`,
    );

    expect(rows).toHaveLength(8);
    const claimPlan = plans.find((plan) => plan.includes('LockRows'));
    expect(claimPlan).toContain('Index Scan using background_tasks_claim');
    expect(claimPlan).not.toMatch(/\bSort\b/);
  });

  it('looks ahead of a hand-over through the claim index, even when the last ANALYZE saw a full queue', async () => {
    // A database of its own: the statistics must say "20,000 waiting" while none is.
    const own = await TestDatabase.create('postgres');
    const tasks = own.table('background_tasks');
    const connection = new pg.Client({ connectionString: POSTGRES_DIRECT_URL });
    await connection.connect();
    try {
      await connection.query(
        `INSERT INTO ${tasks} (id, name, priority, run_after, max_attempts, metadata)
         SELECT gen_random_uuid(), 'test.noop', 0, now(), 3, '{}'::jsonb FROM generate_series(1, 20000)`,
      );
      await connection.query(`ANALYZE ${tasks}`);
      await connection.query(`UPDATE ${tasks} SET status = 'completed', completed_at = now()`);
      // The statement as a worker runs it: named, so that after five runs its generic plan is cached.
      const insertClaimed = {
        name: 'insertClaimed',
        text: postgresStatements(own.env.SchemaName).insertClaimed,
      };
      const row = (n: number) => [
        ...insertParameters(
          newTaskRow('test.noop', { id: `01a2f000-0000-7000-8000-${String(n).padStart(12, '0')}` }),
        ),
        `local#${n}`,
        30_000,
        ['test.noop'],
      ];
      for (let n = 1; n <= 6; n++) await connection.query({ ...insertClaimed, values: row(n) });
      const plans: string[] = [];
      connection.on('notice', (notice) => plans.push(notice.message ?? ''));
      await connection.query(`LOAD 'auto_explain'`);
      await connection.query('SET auto_explain.log_min_duration = 0');
      await connection.query('SET client_min_messages = log');
      const { rows } = await connection.query<{ status: string }>({ ...insertClaimed, values: row(7) });

      expect(rows[0].status).toBe('processing'); // nothing waited ahead: handed over
      const plan = plans.find((text) => text.includes('Insert on'));
      expect(plan).toContain('Index Scan using background_tasks_claim');
      expect(plan).not.toMatch(/Seq Scan/);
    } finally {
      await connection.end();
      await own.dispose();
    }
  });

  it('ends runs by primary-key look-ups, even on a connection that planned the statement for a tiny table', async () => {
    // A database of its own: the queue must start empty.
    const own = await TestDatabase.create('postgres');
    const schema = own.env.SchemaName;
    const tasks = own.table('background_tasks');
    const finish = { name: 'finish', text: postgresStatements(schema).finish };
    const claim = (owner: string, limit: number) =>
      connection.query<{ id: string }>(
        `SELECT id FROM "${schema}".claim_background_tasks($1, 30000, $2, ARRAY['test.noop'])`,
        [owner, limit],
      );
    const end = (ids: { id: string }[], owner: string) =>
      connection.query({ ...finish, values: [completions(ids, owner), '{}'] });
    const fill = (count: number) =>
      connection.query(
        `INSERT INTO ${tasks} (id, name, priority, run_after, max_attempts, metadata)
         SELECT gen_random_uuid(), 'test.noop', 0, now(), 3, '{}'::jsonb FROM generate_series(1, $1::int)`,
        [count],
      );
    const connection = new pg.Client({ connectionString: POSTGRES_DIRECT_URL });
    await connection.connect();
    try {
      // A worker's first endings, while the queue is nearly empty: the named statement is planned (and its
      // generic plan cached) for a table of a page or two, never analysed.
      await fill(8);
      for (let round = 0; round < 8; round++)
        await end((await claim(`early-${round}`, 1)).rows, `early-${round}`);
      // Then a bulk enqueue arrives, and the same connection ends a batch of 200.
      await fill(30_000);
      const { rows } = await claim('late', 200);
      const finishPlans: string[] = [];
      connection.on('notice', (notice) => finishPlans.push(notice.message ?? ''));
      await connection.query(`LOAD 'auto_explain'`);
      await connection.query('SET auto_explain.log_min_duration = 0');
      await connection.query('SET client_min_messages = log');
      const ended = await end(rows, 'late');

      expect(ended.rowCount).toBe(200);
      const plan = finishPlans.find((text) => text.includes('Update on'));
      expect(plan).toContain('Index Scan using background_tasks_pkey');
      expect(plan).not.toMatch(/Seq Scan|Hash Join|background_tasks_lease/);
    } finally {
      await connection.end();
      await own.dispose();
    }
  });

  it.each([
    ['everyone’s tasks', {}, 'background_tasks_pkey'],
    ['one user’s tasks', { createdBy: 'alice' }, 'background_tasks_created_by'],
  ])('lists %s newest first by walking an index, not sorting the table', async (_, filter, index) => {
    const { sql, params } = buildListQuery(
      { ...filter, after: { id: 'ffffffff-ffff-7fff-bfff-ffffffffffff' }, limit: 50 },
      {
        table: database.table('background_tasks'),
        placeholder: (i) => `$${i + 1}`,
        sqlServer: false,
      },
    );
    const plan = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params);
    const text = plan.rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(text).toMatch(new RegExp(`Index Scan (Backward )?using ${index}\\b`));
    expect(text).not.toMatch(/\bSort\b/);
  });

  it('commits a claim without waiting for its WAL flush, and leaves other transactions durable', async () => {
    const schema = database.env.SchemaName;
    await client.query('BEGIN');
    await client.query(
      `SELECT id FROM "${schema}".claim_background_tasks('owner-2', 30000, 1, ARRAY['test.noop'])`,
    );
    const inClaim = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
    await client.query('COMMIT');
    const after = await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit');

    expect(inClaim.rows[0].synchronous_commit).toBe('off');
    expect(after.rows[0].synchronous_commit).toBe('on');
  });
});

/** The endings `finish` takes: each task completed without a result. */
function completions(tasks: { id: string }[], leaseOwner: string): string {
  const ending = { kind: 'completed', resultJson: 'null' } as const;
  const progress = { step: null, info: null, percent: 100 };
  return JSON.stringify(tasks.map(({ id }) => toEndingRow({ id, leaseOwner, attempt: 1, ending, progress })));
}
