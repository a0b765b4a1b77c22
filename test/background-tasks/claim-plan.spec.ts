import pg from 'pg';
import { TestDatabase } from '../support/test-database.js';

const postgres = process.env.TEST_POSTGRES_URL;

/**
 * A queue's statistics are always stale: right after a bulk enqueue into an empty queue the planner thinks a
 * handful of rows are waiting. The claim must still walk the claim index in order and stop after LIMIT
 * rows, rather than sort every waiting row (which made each claim round cost ~70 ms at 50,000 rows).
 * auto_explain reports the plan the claim function actually ran with.
 */
(postgres ? describe : describe.skip)('the PostgreSQL claim plan', () => {
  let database: TestDatabase;
  let client: pg.Client;
  const plans: string[] = [];

  beforeAll(async () => {
    database = await TestDatabase.create('postgres');
    client = new pg.Client({ connectionString: postgres });
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
