import { MssqlParameter, type DataSource, type EntityManager } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import type { NewTaskRow } from '../../model/task-records.js';
import { MAX_CLAIM_ROWS, SqlServerTaskStore } from './sqlserver-task-store.js';
import { OutcomeUnknownError } from './sqlserver-transient-errors.js';

interface IssuedQuery {
  sql: string;
  params: unknown[];
}

/**
 * No SQL Server runs on this project's machines, so these tests check the statements the store issues and
 * the parameters it binds to them, through a DataSource that records instead of sending. The statements
 * themselves run for real when TEST_MSSQL_URL points the integration suites at a server.
 */
function recordingDataSource(
  answers: Partial<Record<string, { records?: unknown[]; affected?: number }>> = {},
  failures: Error[] = [],
) {
  const issued: IssuedQuery[] = [];
  let released = 0;
  const dataSource = {
    createQueryRunner: () => ({
      query: (sql: string, params: unknown[]) => {
        issued.push({ sql, params });
        const failure = failures.shift();
        if (failure) return Promise.reject(failure);
        const key = Object.keys(answers).find((fragment) => sql.includes(fragment));
        return Promise.resolve({ records: [], affected: 0, ...(key ? answers[key] : {}) });
      },
      release: () => {
        released++;
        return Promise.resolve();
      },
    }),
  } as unknown as DataSource;
  return { dataSource, issued, released: () => released };
}

/** The highest @N placeholder of a statement, plus one: how many parameters it expects. */
const placeholders = (sql: string) =>
  Math.max(-1, ...[...sql.matchAll(/@(\d+)/g)].map((m) => Number(m[1]))) + 1;

const newTask = (idempotencyKey: string | null): NewTaskRow => ({
  id: '01a20953-0000-7000-8000-000000000001',
  name: 'test.ticks',
  metadataJson: '{"steps":1}',
  executionMetadataJson: null,
  priority: 0,
  runAfter: null,
  maxAttempts: 4,
  createdBy: 'alice',
  idempotencyKey,
  concurrencyKey: null,
  traceContext: null,
});

describe('SqlServerTaskStore', () => {
  it('claims with the UPDLOCK/READPAST statement, binding limit, names (JSON), owner and lease', async () => {
    const { dataSource, issued, released } = recordingDataSource({
      "status = 'processing', lease_owner": {
        records: [
          {
            id: 'A1B2C3D4-0000-7000-8000-000000000001',
            name: 'test.ticks',
            metadata: '{"steps":3}',
            execution_metadata: null,
            attempts: 1,
            max_attempts: 4,
            created_by: 'alice',
            lease_owner: 'w#1',
            task_step: null,
            status_info: null,
            percent_complete: 0,
          },
        ],
      },
    });
    const store = new SqlServerTaskStore(dataSource, 'cms');
    const claimed = await store.claim({
      leaseOwner: 'w#1',
      limit: 5,
      leaseDurationMs: 30_000,
      names: ['test.ticks'],
    });
    expect(issued).toHaveLength(1);
    expect(issued[0].sql).toContain('WITH (UPDLOCK, READPAST, ROWLOCK)');
    expect(issued[0].params).toEqual([5, '["test.ticks"]', 'w#1', 30_000]);
    expect(placeholders(issued[0].sql)).toBe(issued[0].params.length);
    expect(released()).toBe(1);
    // uniqueidentifier comes back upper-case from SQL Server; ids are lower-case everywhere else.
    expect(claimed).toEqual([
      expect.objectContaining({
        id: 'a1b2c3d4-0000-7000-8000-000000000001',
        metadata: { steps: 3 },
        attempts: 1,
      }),
    ]);
  });

  it('binds as many parameters as every statement expects', async () => {
    const { dataSource, issued } = recordingDataSource({
      'OUTPUT inserted.id\n      SELECT': { records: [{ id: 'x' }] },
    });
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await store.enqueue({ ...newTask('k'), createdBy: null });
    await store.renewLeases(['w#1', 'w#2'], 30_000, 20_000);
    await store.recoverExpiredLeases();
    await store.saveProgress('01a20953-0000-7000-8000-000000000001', 'w#1', {
      step: 1,
      info: 'x',
      percent: 5,
    });
    await store.findById('01a20953-0000-7000-8000-000000000001');
    for (const query of issued) expect(placeholders(query.sql)).toBe(query.params.length);
    expect(issued[1].params).toEqual(['["w#1","w#2"]', 30_000, 20_000]);
  });

  it('inserts a bulk batch with its shared columns once and its tasks as rows of typed parameters', async () => {
    const { dataSource, issued } = recordingDataSource();
    const store = new SqlServerTaskStore(dataSource, 'cms');
    const runAfter = new Date('2026-12-01T10:00:00.000Z');
    await store.enqueueMany({
      name: 'test.ticks',
      priority: 2,
      runAfter,
      maxAttempts: 4,
      createdBy: 'alice',
      concurrencyKey: 'type:articles',
      traceContext: '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}',
      ids: ['01a20953-0000-7000-8000-000000000001', '01a20953-0000-7000-8000-000000000002'],
      metadata: ['{"steps":1}', '"a \\"quoted\\" string"'],
    });
    expect(issued).toHaveLength(1);
    expect(issued[0].sql).toContain('FROM (VALUES (@7, @8), (@9, @10)) AS task(id, metadata)');
    expect(issued[0].params).toEqual([
      'test.ticks',
      2,
      // Typed, so that mssql does not send it as datetime and round it to 1/300 s.
      new MssqlParameter(runAfter, 'datetime2', 3),
      4,
      'alice',
      'type:articles',
      '{"traceparent":"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}',
      // Metadata as its own parameter, not inside a JSON document (Babelfish keeps a string's escapes).
      new MssqlParameter('01a20953-0000-7000-8000-000000000001', 'uniqueidentifier'),
      new MssqlParameter('{"steps":1}', 'nvarchar'),
      new MssqlParameter('01a20953-0000-7000-8000-000000000002', 'uniqueidentifier'),
      new MssqlParameter('"a \\"quoted\\" string"', 'nvarchar'),
    ]);
    expect(placeholders(issued[0].sql)).toBe(issued[0].params.length);
  });

  it('sends run endings as rows of typed parameters', async () => {
    const { dataSource, issued } = recordingDataSource({
      'AS v(id, leaseOwner': { records: [{ id: '01A20953-0000-7000-8000-000000000001' }] },
    });
    const store = new SqlServerTaskStore(dataSource, 'cms');
    const held = await store.finish([
      {
        id: '01a20953-0000-7000-8000-000000000001',
        leaseOwner: 'w#1',
        attempt: 1,
        ending: { kind: 'completed', resultJson: '{"rows":3}' },
        progress: { step: 2, info: 'said "done"', percent: 90 },
      },
    ]);
    expect(issued).toHaveLength(1);
    expect(placeholders(issued[0].sql)).toBe(issued[0].params.length);
    expect(issued[0].params.slice(1, 15)).toEqual([
      new MssqlParameter('01a20953-0000-7000-8000-000000000001', 'uniqueidentifier'),
      new MssqlParameter('w#1', 'nvarchar'),
      new MssqlParameter('completed', 'nvarchar'),
      new MssqlParameter('{"rows":3}', 'nvarchar'),
      new MssqlParameter(null, 'nvarchar'),
      new MssqlParameter(false, 'bit'),
      new MssqlParameter(null, 'nvarchar'),
      new MssqlParameter(0, 'int'),
      new MssqlParameter(null, 'datetime2', 3),
      new MssqlParameter(null, 'datetime2', 3),
      new MssqlParameter(true, 'bit'),
      new MssqlParameter(2, 'int'),
      new MssqlParameter('said "done"', 'nvarchar'),
      new MssqlParameter(100, 'int'),
    ]);
    expect(held).toEqual(new Set(['01a20953-0000-7000-8000-000000000001']));
  });

  const droppedConnection = () =>
    new QueryFailedError(
      '…',
      [],
      Object.assign(new Error('Connection lost - read ECONNRESET'), { code: 'ESOCKET' }),
    );

  it('enqueues by a plain insert without an idempotency key, and checks the key under a range lock with one', async () => {
    const { dataSource, issued } = recordingDataSource({ 'OUTPUT inserted.id': { records: [{ id: 'x' }] } });
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await expect(store.enqueue(newTask(null))).resolves.toEqual({ id: newTask(null).id, created: true });
    await expect(store.enqueue(newTask('k'))).resolves.toEqual({ id: newTask(null).id, created: true });
    expect(issued[0].sql).not.toMatch(/idempotency_key|HOLDLOCK/);
    expect(issued[1].sql).toContain('WITH (UPDLOCK, HOLDLOCK) WHERE idempotency_key = @6');
    for (const query of issued) expect(placeholders(query.sql)).toBe(query.params.length);
  });

  it('runs its own statements in READ COMMITTED, and a statement in a caller’s transaction as it is', async () => {
    const { dataSource, issued } = recordingDataSource();
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await store.findById('01a20953-0000-7000-8000-000000000001');
    const manager = { queryRunner: dataSource.createQueryRunner() } as unknown as EntityManager;
    await store.enqueue(newTask(null), manager);
    expect(issued[0].sql).toMatch(/^SET TRANSACTION ISOLATION LEVEL READ COMMITTED;\n\s*SELECT /);
    expect(issued[1].sql).toMatch(/^\s*INSERT INTO/);
  });

  it('sends an idempotent statement again on a new connection after its connection dropped', async () => {
    const { dataSource, issued, released } = recordingDataSource(
      { 'lease_owner IN': { records: [{ id: 'A1', lease_owner: 'w#1', cancel_requested_at: null }] } },
      [droppedConnection()],
    );
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await expect(store.renewLeases(['w#1'], 30_000, 20_000)).resolves.toEqual([
      { id: 'a1', leaseOwner: 'w#1', cancelRequested: false },
    ]);
    expect(issued).toHaveLength(2);
    expect(released()).toBe(2);
  });

  it('does not send a plain insert again after its connection dropped: it says the outcome is unknown', async () => {
    const { dataSource, issued } = recordingDataSource({}, [droppedConnection()]);
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await expect(store.enqueue(newTask(null))).rejects.toBeInstanceOf(OutcomeUnknownError);
    expect(issued).toHaveLength(1);
  });

  it('never repeats a statement of a caller’s transaction, which a deadlock has ended', async () => {
    const deadlock = new QueryFailedError(
      '…',
      [],
      Object.assign(new Error('deadlock victim'), { code: 'EREQUEST', number: 1205 }),
    );
    const { dataSource, issued } = recordingDataSource({}, [deadlock]);
    const store = new SqlServerTaskStore(dataSource, 'cms');
    const manager = { queryRunner: dataSource.createQueryRunner() } as unknown as EntityManager;
    await expect(store.enqueue(newTask('k'), manager)).rejects.toBe(deadlock);
    expect(issued).toHaveLength(1);
  });

  it('claims at most MAX_CLAIM_ROWS rows in one statement, below the lock escalation threshold', async () => {
    const { dataSource, issued } = recordingDataSource();
    const store = new SqlServerTaskStore(dataSource, 'cms');
    await store.claim({
      leaseOwner: 'w#1',
      limit: 5_000,
      leaseDurationMs: 30_000,
      names: ['test.ticks'],
    });
    expect(issued[0].params[0]).toBe(MAX_CLAIM_ROWS);
  });
});
