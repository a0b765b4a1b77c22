import { claimFunctionSql } from '../../../migrations/1764159200000-planner-proof-claim.js';
import { postgresStatements } from './postgres/postgres-statements.js';
import { sqliteStatements } from './sqlite/sqlite-statements.js';
import { sqlserverStatements } from './sqlserver/sqlserver-statements.js';

/**
 * Collapses whitespace so that assertions read like the SQL, whatever its indentation. A statement that is
 * a function of its rows (SQL Server's batches) is shown with a placeholder for them.
 */
const flat = (sql: string | ((rows: string) => string)) =>
  (typeof sql === 'function' ? sql('(VALUES (@1)) AS v(id)') : sql).replace(/\s+/g, ' ').trim();

describe('claim statements', () => {
  it('SQL Server: UPDATE … OUTPUT over the ids an ordered sub-query read WITH (UPDLOCK, READPAST, ROWLOCK)', () => {
    const claim = flat(sqlserverStatements('cms').claim);
    expect(claim).toMatch(/^UPDATE t SET status = 'processing', lease_owner = @2, /);
    expect(claim).toContain('lease_expires_at = DATEADD(millisecond, @3, SYSUTCDATETIME())');
    expect(claim).toContain('attempts = t.attempts + 1');
    expect(claim).toMatch(/OUTPUT inserted\.id, inserted\.name, inserted\.metadata, .*inserted\.lease_owner/);
    expect(claim).toContain(
      "FROM [cms].[background_tasks] AS t WITH (UPDLOCK, READPAST, ROWLOCK) WHERE t.status = 'enqueued' AND t.id IN (",
    );
    expect(claim).toContain(
      'SELECT TOP (@0) id FROM [cms].[background_tasks] WITH (UPDLOCK, READPAST, ROWLOCK, INDEX (IX_background_tasks_claim)) ' +
        "WHERE status = 'enqueued' AND run_after <= SYSUTCDATETIME() AND name IN (SELECT value FROM OPENJSON(@1)) " +
        'AND name NOT IN (SELECT name FROM [cms].[background_task_queues] WITH (READPAST) WHERE paused = 1) ' +
        // id_order: the creation order (uniqueidentifier compares its last bytes first)
        'ORDER BY priority DESC, run_after, id_order )',
    );
    // Babelfish refuses an UPDATE through a CTE.
    expect(claim).not.toMatch(/^WITH /);
  });

  it('PostgreSQL: UPDATE … WHERE id IN (SELECT … ORDER BY … LIMIT $n FOR UPDATE SKIP LOCKED) RETURNING, planned without sorting', () => {
    expect(flat(postgresStatements('cms').claim)).toMatch(
      /^SELECT id, name, metadata, .*lease_owner.* FROM "cms"\.claim_background_tasks\(\$1, \$2, \$3, \$4::text\[\]\)$/,
    );
    const claim = flat(claimFunctionSql('cms', '"cms"."background_tasks"'));
    expect(claim).toContain('SET enable_sort = off');
    expect(claim).toMatch(
      /RETURN QUERY UPDATE "cms"\."background_tasks" AS t SET status = 'processing', lease_owner = claim_owner, /,
    );
    expect(claim).toContain("lease_expires_at = now() + lease_ms * interval '1 millisecond'");
    expect(claim).toContain(
      'WHERE t.id IN ( SELECT q.id FROM "cms"."background_tasks" AS q WHERE q.status = \'enqueued\' AND q.run_after <= now() ' +
        'AND q.name = ANY(task_names) ORDER BY q.priority DESC, q.run_after, q.id LIMIT max_tasks FOR UPDATE SKIP LOCKED)',
    );
    expect(claim).toContain('RETURNING t.*;');
  });

  it('SQLite: UPDATE … WHERE id IN (SELECT … ORDER BY … LIMIT ?) RETURNING, under the write lock', () => {
    const claim = flat(sqliteStatements().claim);
    expect(claim).toMatch(/^UPDATE background_tasks SET status = 'processing', lease_owner = @owner, /);
    expect(claim).toContain(
      "WHERE id IN ( SELECT id FROM background_tasks WHERE status = 'enqueued' AND run_after <= @now " +
        'AND name IN (SELECT value FROM json_each(@names)) ' +
        'AND name NOT IN (SELECT name FROM background_task_queues WHERE paused = 1) ' +
        'ORDER BY priority DESC, run_after, id LIMIT @limit)',
    );
    expect(claim).toMatch(/RETURNING id, name, metadata, /);
  });

  it.each([
    ['sqlite', sqliteStatements()],
    ['postgres', postgresStatements('cms')],
    ['sqlserver', sqlserverStatements('cms')],
  ])('%s: every write about a running task is fenced on its lease owner', (_engine, sql) => {
    expect(flat(sql.saveProgress)).toMatch(/WHERE id = \S+ AND lease_owner = \S+$/);
    expect(flat(sql.checkpoint)).toMatch(/WHERE id = \S+ AND lease_owner = \S+$/);
    expect(flat(sql.finish)).toMatch(/t?\.?lease_owner = v?\.?"?@?leaseOwner"?/i);
    // Every ending clears the owner, so a stale worker's second ending (or a late one) matches nothing.
    expect(flat(sql.finish)).toMatch(/lease_owner = NULL/);
    expect(flat(sql.renewLeases)).toMatch(/WHERE status = 'processing' AND lease_owner /);
    expect(flat(sql.recoverExpiredLeases)).toMatch(/WHERE status = 'processing' AND lease_expires_at < /);
  });

  it.each([
    ['sqlite', sqliteStatements()],
    ['postgres', postgresStatements('cms')],
    ['sqlserver', sqlserverStatements('cms')],
  ])(
    '%s: a row has a lease owner exactly while it is processing, which makes the owner alone a fence',
    (_engine, sql) => {
      // Whatever takes a task out of processing clears its owner…
      for (const statement of [sql.finish, sql.recoverExpiredLeases]) {
        expect(flat(statement)).toMatch(/lease_owner = NULL, lease_expires_at = NULL/);
      }
      // …and whatever else moves a task only moves rows that were never leased or no longer are.
      expect(flat(sql.cancelWaiting)).toMatch(/status IN \('enqueued', 'suspended'\)/);
      expect(flat(sql.resume)).toMatch(/status = 'suspended'/);
      expect(flat(sql.retry)).toMatch(/status IN \('failed', 'cancelled'\)/);
      expect(flat(sql.resumeDueTasks)).toMatch(/WHERE status = 'suspended'/);
      // Claims set the owner together with the status.
      expect(flat(sql.insertMany)).not.toMatch(/lease_owner/);
    },
  );

  it('quotes the schema as an identifier and never takes it from elsewhere than configuration', () => {
    expect(postgresStatements('Tenant_1').claim).toContain('"Tenant_1".claim_background_tasks(');
    expect(sqlserverStatements('Tenant_1').claim).toContain('[Tenant_1].[background_tasks]');
  });
});
