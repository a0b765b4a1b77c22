import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { csvRows } from '../../src/content/csv/content-csv.js';
import { CopyExportRecords } from '../../src/content/csv/copy-export-records.js';
import type { FieldValues } from '../../src/content/model/content-item.js';
import type { ContentType, FieldDefinition } from '../../src/content/model/content-type.js';
import { searchTextOf } from '../../src/content/model/field-values.js';
import { ContentItemRepository } from '../../src/content/storage/content-item.repository.js';
import { ContentTypeRepository } from '../../src/content/storage/content-type.repository.js';
import {
  cursorAfter,
  PostgresItemCsv,
  type CsvCopyQuery,
} from '../../src/content/storage/postgres-item-csv.js';
import { UnitOfWork } from '../../src/database/unit-of-work.js';
import { uuidv7 } from '../../src/shared/uuid-v7.js';
import { createTestApp, eventually } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

const FIELDS: FieldDefinition[] = [
  { developerName: 'title', label: 'Title', type: 'text', required: false },
  { developerName: 'body', label: 'Body', type: 'long_text', required: false },
  { developerName: 'score', label: 'Score', type: 'number', required: false },
  { developerName: 'done', label: 'Done', type: 'boolean', required: false },
  { developerName: 'due', label: 'Due', type: 'date', required: false },
  { developerName: 'kind', label: 'Kind', type: 'choice', required: false, choices: ['a', '=b', "'@c"] },
];

/** Text as editors type it, and the characters CSV and the formula guard care about. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1 }),
  fc
    .tuple(fc.constantFrom('', "'", "''", '=', '+', '-', '@', '\t', '\r', '\n', '"', ','), fc.string())
    .map(([start, rest]) => `${start}${rest}` || 'x'),
  fc.constantFrom('"', '""', 'a,b', 'two\nlines', 'cr\r\nlf', 'ünïcödé 🚀', ' spaced '),
);
const values: fc.Arbitrary<FieldValues> = fc.record({
  title: fc.option(text, { nil: null }),
  body: fc.option(text, { nil: null }),
  score: fc.option(
    fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
      fc.integer(),
      fc.constantFrom(1e21, -1.5e-7, 123.456, 0.1),
    ),
    { nil: null },
  ),
  done: fc.option(fc.boolean(), { nil: null }),
  due: fc.option(fc.constantFrom('2026-12-01', '0099-01-31'), { nil: null }),
  kind: fc.option(fc.constantFrom('a', '=b', "'@c"), { nil: null }),
});

/**
 * On PostgreSQL an export in creation or update order is written by the database (COPY): its bytes must be
 * those csvRows writes in JavaScript, for any values, in both directions, after any cursor.
 */
(process.env.TEST_POSTGRES_URL ? describe : describe.skip)('CSV written by PostgreSQL', () => {
  let db: TestDatabase;
  let app: INestApplication;
  let type: ContentType;
  const schema = () => db.env.SchemaName;

  beforeAll(async () => {
    db = await TestDatabase.create('postgres');
    app = await createTestApp(db, { env: { APP_ROLE: 'api' } });
    const now = new Date();
    type = {
      ...{ id: uuidv7(), developerName: 'notes', labelSingular: 'Note', labelPlural: 'Notes' },
      ...{ description: null, fields: FIELDS, createdAt: now, updatedAt: now },
    };
    const items = fc.sample(values, { numRuns: 400, seed: 42 });
    await app.get(UnitOfWork).run(async (manager) => {
      await app.get(ContentTypeRepository).insert(type, manager);
      await app.get(ContentItemRepository).insertMany(
        items.map((itemValues, n) => ({
          id: uuidv7(),
          contentTypeId: type.id,
          values: itemValues,
          searchText: searchTextOf(type, itemValues),
          // Some items share a creation time, so that the id breaks the tie.
          // Whole seconds, tenths, hundredths and milliseconds: PostgreSQL writes each differently.
          createdAt: new Date(Date.UTC(2026, 0, 1) + Math.floor(n / 3) * 1000 + [0, 100, 120, 123][n % 4]),
          updatedAt: new Date(Date.UTC(2026, 5, 1) - n * 777),
        })),
        manager,
      );
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('writes every number as String(number) does', async () => {
    const numbers = [
      ...[0, 1, -1, 0.1, 1e21, -1e21, 1.2345e25, 9.999999999999999e20, 1e-6, 1e-7, -2.5e-10],
      ...[Number.MAX_VALUE, Number.MIN_VALUE, 2 ** 53 + 2],
      ...fc.sample(fc.double({ noNaN: true, noDefaultInfinity: true }), { numRuns: 20_000, seed: 7 }),
    ].map((n) => (n === 0 ? 0 : n));
    const rows = await db.sql<{ text: string }>(
      `SELECT "${schema()}".number_as_javascript_text(value::numeric) AS text
       FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS v(value, n) ORDER BY n`,
      [JSON.stringify(numbers)],
    );
    const mismatches = rows.filter((row, index) => row.text !== String(numbers[index]));
    expect(mismatches).toEqual([]);
  });

  /** Every item in creation order, all fields. */
  const creationOrder = (): CsvCopyQuery => ({
    contentTypeId: type.id,
    column: 'created_at',
    direction: 'asc',
    fields: FIELDS,
    limit: 1_000,
  });

  /** What the database writes for a query, converted to CRLF records as the export does. */
  async function databaseCsv(query: CsvCopyQuery) {
    const records = new CopyExportRecords();
    const chunks: Buffer[] = [];
    for await (const chunk of app.get(PostgresItemCsv).records(query)) chunks.push(records.convert(chunk));
    return { csv: Buffer.concat(chunks).toString('utf8'), records };
  }

  /** What the paged export writes in JavaScript for the same items. */
  async function javascriptCsv(query: CsvCopyQuery) {
    const page = await app.get(ContentItemRepository).page({
      contentTypeId: query.contentTypeId,
      search: query.search,
      sort: { column: query.column },
      direction: query.direction,
      after: query.after,
      limit: query.limit,
    });
    return csvRows(
      page.map((row) => row.item),
      query.fields,
    );
  }

  it.each([
    ['creation order', 'created_at', 'asc', undefined],
    ['update order, newest first', 'updated_at', 'desc', undefined],
    ['a search', 'created_at', 'asc', 'a'],
  ] as const)('writes the bytes JavaScript writes: %s', async (_, column, direction, search) => {
    const query = { contentTypeId: type.id, column, direction, search, fields: FIELDS, limit: 1_000 };
    const { csv, records } = await databaseCsv(query);
    const expected = await javascriptCsv(query);
    expect(csv).toBe(expected);
    expect(records.records).toBeGreaterThan(search ? 10 : 399);
  });

  it('continues after the cursor read back from the last record of a stretch', async () => {
    const query = { ...creationOrder(), limit: 150 };
    const first = await databaseCsv(query);
    expect(first.records.records).toBe(150);
    const after = cursorAfter(first.records.lastRecord!, 'created_at');
    const rest = await databaseCsv({ ...query, after, limit: 1_000 });
    expect(first.csv + rest.csv).toBe(await javascriptCsv({ ...query, limit: 1_000 }));
  });

  it('closes its connection when the export stops in the middle of a stretch', async () => {
    const query = creationOrder();
    const connections = async () =>
      Number(
        (
          await db.sql<{ n: string }>(
            `SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1`,
            [`csv-export:${schema()}`],
          )
        )[0].n,
      );
    for await (const chunk of app.get(PostgresItemCsv).records(query)) {
      expect(chunk.length).toBeGreaterThan(0);
      expect(await connections()).toBe(1);
      break; // as an aborted export does
    }
    // The server ends the backend a moment after the client lets go of it.
    await eventually(async () => (await connections()) === 0, 30_000);
  });
});
