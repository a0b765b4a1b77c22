import { sqlserverFlowStatements } from '../../src/background-tasks/storage/sqlserver/sqlserver-flow-statements.js';
import { CharStreams, CommonTokenStream, type ANTLRErrorListener } from 'antlr4ts';
import { PredictionMode } from 'antlr4ts/atn/PredictionMode.js';
import { CaseChangingStream } from 'antlr4ts-sql/dist/src/models/CaseChangingStream.js';
import { TSqlLexer } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlLexer.js';
import { TSqlParser } from 'antlr4ts-sql/dist/src/grammar-output/tsql/TSqlParser.js';
import type { DataSource, EntityManager, QueryRunner } from 'typeorm';
import { migrations } from '../../migrations/index.js';
import {
  ENDING_COLUMNS,
  sqlserverStatements,
} from '../../src/background-tasks/storage/sqlserver/sqlserver-statements.js';
import { sqlServerValues, typed } from '../../src/database/sqlserver-values.js';
import { buildListQuery } from '../../src/background-tasks/storage/task-list-sql.js';
import { BulkStatements } from '../../src/background-tasks/storage/bulk-sql.js';
import { BULK_ACTION_NAMES } from '../../src/background-tasks/bulk/bulk-actions.js';
import { ContentItemRepository } from '../../src/content/storage/content-item.repository.js';
import { ContentTypeRepository } from '../../src/content/storage/content-type.repository.js';
import type { ContentType } from '../../src/content/model/content-type.js';
import { DatabaseConfig } from '../../src/database/database-config.js';
import { SqlDialect } from '../../src/database/sql-dialect.js';
import { SqlRunner } from '../../src/database/sql-runner.js';

/**
 * Every T-SQL statement the application emits, parsed with the ANTLR TSqlParser grammar (the grammar
 * Babelfish itself builds on). The SQL Server suites run these statements against a server only where one
 * answers (TEST_MSSQL_URL); this check runs everywhere, so a statement that is not T-SQL at all never
 * reaches a user first.
 */
function syntaxErrors(sql: string): string[] {
  // SLL prediction is many times faster and exact for these statements; where it reports an error, the
  // full LL prediction decides (ANTLR's two-stage parsing), so the answer is the grammar's either way.
  const fast = parse(sql, PredictionMode.SLL);
  return fast.length === 0 ? fast : parse(sql, PredictionMode.LL);
}

function parse(sql: string, mode: PredictionMode): string[] {
  const errors: string[] = [];
  const listener: ANTLRErrorListener<unknown> = {
    syntaxError: (_recognizer, _symbol, line, column, message) => errors.push(`${line}:${column} ${message}`),
  };
  // The grammar's keywords are upper case; the stream folds the input for the lexer only.
  const lexer = new TSqlLexer(new CaseChangingStream(CharStreams.fromString(sql), true));
  lexer.removeErrorListeners();
  lexer.addErrorListener(listener);
  const parser = new TSqlParser(new CommonTokenStream(lexer));
  parser.removeErrorListeners();
  parser.addErrorListener(listener);
  parser.interpreter.setPredictionMode(mode);
  parser.tsql_file();
  return errors;
}

/** A query runner that records the statements of a migration instead of running them. */
function recordingQueryRunner(statements: string[]): QueryRunner {
  return {
    connection: { options: { type: 'mssql', schema: 'cms' } },
    query: (sql: string) => {
      statements.push(sql);
      return Promise.resolve([]);
    },
  } as unknown as QueryRunner;
}

async function migrationStatements(): Promise<string[]> {
  const statements: string[] = [];
  for (const Migration of migrations) {
    const migration = new Migration();
    await migration.up(recordingQueryRunner(statements));
    await migration.down?.(recordingQueryRunner(statements));
  }
  return statements;
}

/** Drives the content repositories through a runner that records what they would send. */
async function contentStatements(): Promise<string[]> {
  const statements: string[] = [];
  const runner = new (class extends SqlRunner {
    override run(sql: string) {
      statements.push(sql);
      return Promise.resolve({ records: sql.includes('COUNT(') ? [{ n: 0 }] : [], affected: 0 });
    }
  })({} as DataSource);
  const target = {
    engine: 'sqlserver' as const,
    host: 'db',
    port: 1433,
    username: 'u',
    password: 'p',
    database: 'cms',
    encrypt: false,
    trustServerCertificate: true,
  };
  const dialect = new SqlDialect(new DatabaseConfig(target, 'cms'));
  const items = new ContentItemRepository(runner, dialect);
  const types = new ContentTypeRepository(runner, dialect);
  const manager = {} as EntityManager;
  const now = new Date('2026-12-01T10:00:00.000Z');
  const id = '01a20953-0000-7000-8000-000000000001';
  const row = {
    id,
    contentTypeId: id,
    values: { title: 'a' },
    searchText: 'a',
    createdAt: now,
    updatedAt: now,
  };
  const type: ContentType = {
    id,
    developerName: 'article',
    labelSingular: 'Article',
    labelPlural: 'Articles',
    description: null,
    fields: [
      { developerName: 'title', label: 'Title', type: 'text', required: true },
      { developerName: 'rank', label: 'Rank', type: 'number', required: false },
      { developerName: 'live', label: 'Live', type: 'boolean', required: false },
    ],
    createdAt: now,
    updatedAt: now,
  };
  await types.insert(type, manager);
  await types.findByDeveloperName('article').catch(() => undefined);
  await types.findById(id);
  await types.list();
  await items.insert(row, manager);
  await items.update(row, manager);
  await items.delete(id, manager);
  await items.findById(id);
  await items.count(id);
  await items.count(id, 'needle');
  for (const sort of [{ column: 'created_at' as const }, ...type.fields.map((field) => ({ field }))]) {
    for (const direction of ['asc', 'desc'] as const) {
      await items.page({ contentTypeId: id, sort, direction, limit: 50 });
      await items.page({ contentTypeId: id, search: 'x', sort, direction, after: { key: 1, id }, limit: 50 });
    }
  }
  await items.findMany([id], manager);
  await items.insertMany([row], manager);
  await items.updateMany([row], manager);
  return statements;
}

function listStatements(): string[] {
  const dialect = {
    table: '[cms].[background_tasks]',
    placeholder: (index: number) => `@${index}`,
    sqlServer: true,
  };
  const after = { id: '01a20953-0000-7000-8000-000000000001' };
  return [
    buildListQuery({ limit: 50 }, dialect).sql,
    buildListQuery(
      { limit: 50, status: 'failed', name: 'demo.countdown', createdBy: 'alice', after },
      dialect,
    ).sql,
  ];
}

describe('T-SQL grammar', () => {
  it('parses every statement of the queue on SQL Server', () => {
    const statements = Object.entries(sqlserverStatements('cms'));
    expect(statements.length).toBeGreaterThan(15);
    // The batch statements take their rows' table value constructor: two rows, as a batch sends them.
    const rows = (columns: readonly string[], alias: string, first: number) =>
      sqlServerValues(
        [0, 1].map(() => columns.map(() => typed.int(1))),
        first,
        alias,
        columns,
      ).sql;
    const withRows = {
      insertMany: rows(['id', 'metadata'], 'task', 5),
      finish: rows(ENDING_COLUMNS, 'v', 1),
    };
    for (const [name, statement] of statements) {
      const sql =
        typeof statement === 'string' ? statement : statement(withRows[name as keyof typeof withRows]);
      expect({ name, errors: syntaxErrors(sql) }).toEqual({ name, errors: [] });
    }
  });

  it('parses every statement of flow control on SQL Server', () => {
    const statements = Object.entries(sqlserverFlowStatements('cms'));
    expect(statements.length).toBeGreaterThan(10);
    for (const [name, sql] of statements) {
      expect({ name, errors: syntaxErrors(sql) }).toEqual({ name, errors: [] });
    }
  });

  it('parses the task list queries', () => {
    for (const sql of listStatements())
      expect({ sql, errors: syntaxErrors(sql) }).toEqual({ sql, errors: [] });
  });

  it('parses every statement of the bulk operations, with and without a name', () => {
    const dialect = { engine: 'sqlserver', table: '[cms].[background_tasks]' } as const;
    const id = '01a20953-0000-7000-8000-000000000001';
    for (const action of BULK_ACTION_NAMES) {
      for (const name of [null, 'demo.countdown']) {
        const selection = { action, name, before: new Date() };
        const statements = [
          BulkStatements.count(dialect, selection),
          BulkStatements.window(dialect, selection, null, 2_000),
          BulkStatements.window(dialect, selection, id, 2_000),
          BulkStatements.apply(dialect, selection, [id], '{"code":"CANCELLED"}'),
        ];
        for (const { sql } of statements) {
          expect({ action, sql, errors: syntaxErrors(sql) }).toEqual({ action, sql, errors: [] });
        }
      }
    }
  });

  it('parses every SQL Server statement of every migration, up and down', async () => {
    const statements = await migrationStatements();
    expect(statements.length).toBeGreaterThan(20);
    for (const sql of statements) expect({ sql, errors: syntaxErrors(sql) }).toEqual({ sql, errors: [] });
  });

  it('parses every statement of the content repositories', async () => {
    const statements = await contentStatements();
    expect(statements.length).toBeGreaterThan(20);
    for (const sql of statements) expect({ sql, errors: syntaxErrors(sql) }).toEqual({ sql, errors: [] });
  });

  it('refuses what is not T-SQL (the check can fail)', () => {
    expect(syntaxErrors('SELECT FROM WHERE')).not.toEqual([]);
    // PostgreSQL's row locking is not T-SQL.
    expect(syntaxErrors('SELECT id FROM t ORDER BY id FOR UPDATE SKIP LOCKED')).not.toEqual([]);
  });
});
