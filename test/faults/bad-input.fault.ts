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
      /title must not contain the NUL character/,
    ],
    [
      'a huge body',
      () =>
        alice()
          .post('/api/content-types/notes/items')
          .send({ values: { title: 'x'.repeat(300_000) } }),
      413,
      /too large/i,
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
      /cursor must be well-formed text: no NUL character/,
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
