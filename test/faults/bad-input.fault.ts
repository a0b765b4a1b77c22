import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import type { App } from 'supertest/types.js';
import type { ContentItemView } from '../../src/content/content.views.js';
import type { ContentItemPage } from '../../src/content/queries/list-content-items/list-content-items.query.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';
import { reportScenario } from './support/fault-report.js';

const FIELDS = [
  { developerName: 'title', label: 'Title', type: 'text', required: true },
  { developerName: 'body', label: 'Body', type: 'long_text' },
  { developerName: 'score', label: 'Score', type: 'number' },
  { developerName: 'done', label: 'Done', type: 'boolean' },
  { developerName: 'due', label: 'Due', type: 'date' },
  {
    developerName: 'kind',
    label: 'Kind',
    type: 'choice',
    choices: ['plain', '=formula', '@handle', '-minus'],
  },
];

const csv = (header: string, rows: string[]) => Buffer.from(`${header}\r\n${rows.join('\r\n')}\r\n`);

describe.each(TEST_ENGINES)('bad input over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, PollingDelay: '50ms' } });
    http = new HttpClient(app);
    await http
      .as('root')
      .post('/api/content-types')
      .send({ developerName: 'notes', labelSingular: 'Note', labelPlural: 'Notes', fields: FIELDS })
      .expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  /** Rows in every table the API writes to. */
  const rowCounts = async () => {
    const count = async (table: string) =>
      Number((await db.sql<{ n: number }>(`SELECT COUNT(*) AS n FROM ${db.table(table)}`))[0].n);
    return [await count('background_tasks'), await count('content_types'), await count('content_items')];
  };

  const alice = () => http.as('alice');
  const upload = (file: Buffer) =>
    alice().post('/api/content-types/notes/imports').attach('file', file, 'bad.csv');

  const cases: [string, () => Promise<{ status: number; body: unknown }>, number, RegExp][] = [
    [
      'invalid JSON',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .set('Content-Type', 'application/json')
          .send('{"values": {'),
      400,
      /JSON/i,
    ],
    [
      'a wrong type',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 5 } }),
      400,
      /title must be a string/,
    ],
    [
      'values that are not an object',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: [1, 2] }),
      400,
      /values must be an object/,
    ],
    [
      'an unknown body field',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'x' }, owner: 'me' }),
      400,
      /property owner should not exist/,
    ],
    [
      'an unknown value field',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'x', colour: 'red' } }),
      400,
      /colour is not a field of notes/,
    ],
    [
      'a NUL character',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'a\u0000b' } }),
      400,
      /title must be well-formed text: no NUL character/,
    ],
    [
      'a lone surrogate in a value',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'ok', body: 'half \ud83d' } }),
      400,
      /body must be well-formed text: no NUL character \(\\u0000\) and no lone surrogate/,
    ],
    [
      'a lone surrogate as a choice',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'ok', kind: 'plain\udc00' } }),
      400,
      /kind must be one of: plain/,
    ],
    [
      'a lone surrogate in an export search',
      () => alice().post('/api/content-types/notes/exports').send({ search: '\ud800' }),
      400,
      /search must be well-formed text/,
    ],
    [
      'a lone surrogate in a content type label',
      () =>
        http
          .as('root')
          .post('/api/content-types')
          .send({ developerName: 'odd', labelSingular: 'O\ud800', labelPlural: 'Os', fields: FIELDS }),
      400,
      /labelSingular must be well-formed text/,
    ],
    [
      'a field named constructor',
      () =>
        http
          .as('root')
          .post('/api/content-types')
          .send({
            developerName: 'odd',
            labelSingular: 'Odd',
            labelPlural: 'Odds',
            fields: [{ developerName: 'constructor', label: 'C', type: 'text' }],
          }),
      400,
      /"constructor" cannot name a field/,
    ],
    [
      'a NUL in a path segment',
      () => alice().get('/api/content-types/notes%00'),
      400,
      /The path must be well-formed text/,
    ],
    [
      'a broken escape in a query',
      () => alice().get('/api/content-types/notes/items?search=%ED%A0%80'),
      400,
      /The query string must be well-formed text/,
    ],
    [
      '1,500 nested arrays',
      () =>
        alice()
          .post('/api/demo-tasks')
          .set('Content-Type', 'application/json')
          .send('['.repeat(1_500) + ']'.repeat(1_500)),
      400,
      /nests deeper than 32 levels/,
    ],
    [
      'JSON sent as text/plain',
      () =>
        alice()
          .post('/api/demo-tasks')
          .set('Content-Type', 'text/plain')
          .send(JSON.stringify({ steps: 1 })),
      415,
      /type text\/plain is not accepted/,
    ],
    [
      'a long text over its limit',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'x', body: 'x'.repeat(1_000_001) } }),
      400,
      /body must be at most 100000 characters/,
    ],
    [
      'a body over the item limit',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'x'.repeat(8 * 1024 * 1024) } }),
      413,
      /more than the 7 MB this route accepts/,
    ],
    [
      'a body over the default limit',
      () =>
        alice()
          .post('/api/demo-tasks')
          .send({ steps: 1, pad: 'x'.repeat(200_000) }),
      413,
      /more than the 100 kB this route accepts/,
    ],
    ['a bad item id', () => alice().get('/api/content-items/1234'), 400, /uuid/i],
    ['a bad task id', () => alice().post('/api/background-tasks/xyz/cancel'), 400, /uuid/i],
    [
      'a bad item cursor',
      () => alice().get('/api/content-types/notes/items?cursor=bm9wZQ'),
      400,
      /cursor is not valid/,
    ],
    [
      'a cursor with a NUL',
      () => alice().get('/api/content-types/notes/items?cursor=%00%01'),
      400,
      /The query string must be well-formed text: no NUL character/,
    ],
    [
      'a bad task cursor',
      () => alice().get('/api/background-tasks?cursor=eyJ4IjoxfQ'),
      400,
      /cursor is not valid/,
    ],
    [
      'a bad limit',
      () => alice().get('/api/content-types/notes/items?limit=-1'),
      400,
      /limit must not be less than 1/,
    ],
    [
      'an unknown content type',
      () => alice().post('/api/content-types/nope/items').send({ values: {} }),
      404,
      /Content type .*nope.* was not found/,
    ],
    [
      'an unknown export field',
      () =>
        alice()
          .post('/api/content-types/notes/exports')
          .send({ fields: ['secret'] }),
      400,
      /secret are not fields of notes/,
    ],
    [
      'no token',
      () => http.as('alice').get('/api/content-types').set('Authorization', ''),
      401,
      /Authorization: Bearer/,
    ],
    [
      'a CSV with broken quotes',
      () => upload(csv('title', ['"open', 'x'])),
      400,
      /Line 2: a quoted field is never closed/,
    ],
    [
      'a CSV in Latin-1',
      () => upload(Buffer.concat([Buffer.from('title\r\nna'), Buffer.from([0xef]), Buffer.from('ve\r\n')])),
      400,
      /not valid UTF-8/,
    ],
    [
      'a CSV with 100,000 columns',
      () => upload(csv(['title', ...Array.from({ length: 100_000 }, (_, i) => `c${i}`)].join(','), ['x'])),
      400,
      /100000 columns that notes does not have/,
    ],
    [
      'a CSV header with a formula',
      () => upload(csv('title,"=HYPERLINK(""http://evil"")"', ['x,y'])),
      400,
      /does not have: "=HYPERLINK/,
    ],
    [
      'an upload without a file',
      () => alice().post('/api/content-types/notes/imports').field('mode', 'insert'),
      400,
      /multipart form field "file"/,
    ],
  ];

  it('answers every malformed request with a 4xx naming the problem, and writes nothing', async () => {
    const before = await rowCounts();
    const outcomes: string[] = [];
    for (const [what, send, status, expected] of cases) {
      const response = await send();
      const message: unknown = (response.body as { message?: unknown }).message;
      const text = Array.isArray(message) ? message.join('; ') : String(message);
      outcomes.push(`${what}: ${response.status}`);
      expect({ what, status: response.status }).toEqual({ what, status });
      expect({ what, text }).toEqual({ what, text: expect.stringMatching(expected) });
    }
    expect(await rowCounts()).toEqual(before);
    reportScenario(
      `bad input (${engine})`,
      `${cases.length} malformed requests, each a 4xx naming its problem; no row written`,
      {
        cases: cases.length,
        outcomes,
      },
    );
  });

  it('keeps the errors report of a file of 500,000 empty rows smaller than the file', async () => {
    const file = csv(
      FIELDS.map((field) => field.developerName).join(','),
      Array.from({ length: 500_000 }, () => ',,,,,'),
    );
    const started = await upload(file).expect(202);
    const taskId = (started.body as { taskId: string }).taskId;
    const task = await http.finishedTask('alice', taskId, 300_000);
    expect(task).toMatchObject({
      status: 'completed',
      result: { inserted: 0, failed: 500_000, errorsNotListed: 490_000 },
    });
    const report = await http.download('alice', taskId);
    expect(report.length).toBeLessThan(file.length / 10);
    reportScenario(
      `import errors report (${engine})`,
      `500,000 rows without a title (${(file.length / 1e6).toFixed(1)} MB): the report lists 10,000 errors and counts the rest in ${(report.length / 1e3).toFixed(0)} kB`,
      { rows: 500_000, uploadBytes: file.length, reportBytes: report.length },
    );
  }, 300_000);

  it('never answers a random item body with a 5xx (property-based)', async () => {
    let accepted = 0;
    const fieldNames = fc.constantFrom(...FIELDS.map((field) => field.developerName), 'other');
    // Near-valid bodies too, so that both the accepting and the refusing paths are exercised.
    const nearlyValid = fc.record({
      values: fc.record(
        {
          title: fc.oneof(fc.string(), fc.jsonValue()),
          score: fc.oneof(fc.double(), fc.string(), fc.constant(null)),
          done: fc.oneof(fc.boolean(), fc.jsonValue()),
          due: fc.oneof(fc.constant('2026-02-29'), fc.constant('2028-02-29'), fc.string()),
          kind: fc.oneof(fc.constantFrom(...FIELDS[5].choices!), fc.string()),
        },
        { requiredKeys: ['title'] },
      ),
    });
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record({ values: fc.dictionary(fieldNames, fc.jsonValue()) }),
      nearlyValid,
    );
    await fc.assert(
      fc.asyncProperty(body, async (sent) => {
        const response = await alice()
          .post('/api/content-types/notes/items')
          .set('Content-Type', 'application/json')
          .send(JSON.stringify(sent));
        if (response.status === 201) accepted++;
        const explained =
          response.status === 201 || (response.body as { message?: unknown }).message !== undefined;
        return response.status < 500 && explained;
      }),
      { numRuns: 300 },
    );
    reportScenario(
      `DTO fuzzing (${engine})`,
      `300 random item bodies: no 5xx; ${accepted} accepted, the rest 4xx with a message`,
      {
        runs: 300,
        accepted,
      },
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('carries any values through an export and an import unchanged (property-based)', async () => {
    const text = fc
      .array(
        fc.oneof(
          fc.string({ unit: 'grapheme', maxLength: 12 }),
          fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\r\n', '"', ',', "'", ' '),
        ),
        { maxLength: 6 },
      )
      .map((parts) => parts.join('').replaceAll('\u0000', '')); // NUL is refused on input, by design
    const values = fc.record({
      title: text.filter((t) => t.length > 0 && t.length <= 1_000),
      body: fc.option(text, { nil: null }),
      score: fc.option(fc.double({ noNaN: true, noDefaultInfinity: true }), { nil: null }),
      done: fc.option(fc.boolean(), { nil: null }),
      due: fc.option(
        fc
          .date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        { nil: null },
      ),
      kind: fc.option(fc.constantFrom(...FIELDS[5].choices!), { nil: null }),
    });
    let run = 0;
    let itemsCarried = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(values, { minLength: 1, maxLength: 15 }), async (items) => {
        run++;
        for (const name of [`from${run}`, `to${run}`]) {
          await http
            .as('root')
            .post('/api/content-types')
            .send({ developerName: name, labelSingular: 'X', labelPlural: 'Xs', fields: FIELDS })
            .expect(201);
        }
        const created: ContentItemView[] = [];
        for (const item of items) {
          created.push(
            (await alice().post(`/api/content-types/from${run}/items`).send({ values: item }).expect(201))
              .body as ContentItemView,
          );
        }
        const exported = await alice().post(`/api/content-types/from${run}/exports`).send({}).expect(202);
        const exportId = (exported.body as { taskId: string }).taskId;
        await http.finishedTask('alice', exportId);
        const file = await http.download('alice', exportId);
        const imported = await alice()
          .post(`/api/content-types/to${run}/imports`)
          .attach('file', file, 'x.csv')
          .expect(202);
        const importTask = await http.finishedTask('alice', (imported.body as { taskId: string }).taskId);
        const { body } = await alice().get(`/api/content-types/to${run}/items?limit=100`).expect(200);
        const copies = (body as ContentItemPage).items;
        itemsCarried += items.length;
        return (
          (importTask.result as { failed: number }).failed === 0 &&
          JSON.stringify(copies.map((copy) => sorted(copy.values))) ===
            JSON.stringify(created.map((item) => sorted(item.values)))
        );
      }),
      { numRuns: 15 },
    );
    reportScenario(
      `CSV round trip, property-based (${engine})`,
      `${run} random batches, ${itemsCarried} items: every value came back unchanged`,
      { runs: run, items: itemsCarried },
    );
  });
});

function sorted(values: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(values).sort(([a], [b]) => a.localeCompare(b)));
}
