import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import type { ContentItemView } from '../../src/content/content.views.js';
import type { ContentItemPage } from '../../src/content/queries/list-content-items/list-content-items.query.js';
import { MAX_LISTED_ERRORS } from '../../src/content/tasks/import-content-items.task.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

const NOTES = {
  labelSingular: 'Note',
  labelPlural: 'Notes',
  fields: [
    { developerName: 'title', label: 'Title', type: 'text', required: true },
    { developerName: 'body', label: 'Body', type: 'long_text' },
    { developerName: 'score', label: 'Score', type: 'number' },
    { developerName: 'done', label: 'Done', type: 'boolean' },
    { developerName: 'due', label: 'Due', type: 'date' },
    { developerName: 'kind', label: 'Kind', type: 'choice', choices: ['plain', '=formula', '@handle'] },
  ],
};

/** Values a CSV has to carry intact: separators, quotes, every kind of line break, scripts, formulas… */
const TRICKY_TITLES = [
  'plain',
  'comma, separated',
  'quote "inside" it',
  'line\nbreak',
  'windows\r\nbreak',
  'lone\rreturn',
  'ünïcödé – 日本語 – עברית',
  'emoji 😀👍🏽🇫🇷',
  '=SUM(A1:A2)',
  '+33 1 23 45 67 89',
  '-minus first',
  '@mention',
  '\ttab first',
  '\rreturn first',
  "'=already quoted",
  '  spaces around  ',
  '"',
  ',',
];

const valuesOf = (title: string, n: number) => ({
  title,
  body: n === 0 ? 'x'.repeat(100_000) : n % 3 === 0 ? null : `Body ${n}:\n"${title}"`,
  score: n % 4 === 0 ? null : [0, -1.5, 1e21, Math.PI][n % 4],
  done: n % 5 === 0 ? null : n % 2 === 0,
  due: n % 2 === 0 ? `2026-0${(n % 9) + 1}-1${n % 10}` : null,
  kind: n % 6 === 0 ? null : NOTES.fields[5].choices![n % 3],
});

/** What Python's csv module reads from the file: the reference reader the issue names. */
function readWithPython(path: string): string[][] {
  const script =
    'import csv, json, sys\n' +
    "with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n" +
    '    print(json.dumps(list(csv.reader(f))))';
  return JSON.parse(
    execFileSync('python3', ['-c', script, path], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }),
  ) as string[][];
}

describe.each(TEST_ENGINES)('CSV export and import [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;
  const scratch = mkdtempSync(join(tmpdir(), 'csv-round-trip-'));

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, UPLOAD_MAX_SIZE: '2mb', PollingDelay: '50ms' },
    });
    http = new HttpClient(app);
    for (const developerName of ['notes', 'copies']) {
      await http
        .as('root')
        .post('/api/content-types')
        .send({ ...NOTES, developerName })
        .expect(201);
    }
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const exportAll = async (user: 'alice' | 'root', type: string, body: object = {}) => {
    const started = await http.as(user).post(`/api/content-types/${type}/exports`).send(body).expect(202);
    const taskId = (started.body as { taskId: string }).taskId;
    expect(started.headers.location).toBe(`/api/background-tasks/${taskId}`);
    const task = await http.finishedTask(user, taskId);
    expect(task).toMatchObject({ status: 'completed', percentComplete: 100 });
    return { taskId, task, file: await http.download(user, taskId) };
  };

  const importFile = (type: string, content: Buffer | string, mode = 'insert') =>
    http
      .as('alice')
      .post(`/api/content-types/${type}/imports`)
      .field('mode', mode)
      .attach('file', Buffer.from(content), 'import.csv');

  const allItems = async (type: string): Promise<ContentItemView[]> => {
    const items: ContentItemView[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${cursor}` : '';
      const { body } = await http
        .as('alice')
        .get(`/api/content-types/${type}/items?limit=100${query}`)
        .expect(200);
      items.push(...(body as ContentItemPage).items);
      cursor = (body as ContentItemPage).nextCursor;
    } while (cursor);
    return items;
  };

  it('exports every value readably and imports it back exactly', async () => {
    const originals: ContentItemView[] = [];
    for (const [n, title] of TRICKY_TITLES.entries()) {
      const { body } = await http
        .as('alice')
        .post('/api/content-types/notes/items')
        .send({ values: valuesOf(title, n) })
        .expect(201);
      originals.push(body as ContentItemView);
    }

    const { task, file } = await exportAll('alice', 'notes');
    expect(file.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // UTF-8 byte-order mark
    expect(task.result).toEqual({
      fileName: expect.stringMatching(/^notes-\d{8}-\d{6}\.csv$/),
      rows: originals.length,
      bytes: file.length,
    });
    expect(file.toString('utf8')).toContain('\r\n'); // RFC 4180 record separator

    // Python's csv module reads every value back; formulas come back neutralized, as documented.
    const path = join(scratch, `${engine}.csv`);
    writeFileSync(path, file);
    const [header, ...rows] = readWithPython(path);
    expect(header).toEqual(['id', 'createdAt', 'updatedAt', 'title', 'body', 'score', 'done', 'due', 'kind']);
    expect(rows).toHaveLength(originals.length);
    rows.forEach((row, n) => {
      const original = originals[n];
      const title = original.values.title as string;
      const neutralized = /^'*[=+\-@\t\r]/.test(title) ? `'${title}` : title;
      expect(row.slice(0, 4)).toEqual([original.id, original.createdAt, original.updatedAt, neutralized]);
      expect(row[4]).toBe(original.values.body ?? '');
      expect(row[5]).toBe(original.values.score === null ? '' : String(original.values.score));
      expect(row[8]).toBe(
        original.values.kind === null
          ? ''
          : /^[=@]/.test(String(original.values.kind))
            ? `'${original.values.kind}`
            : original.values.kind,
      );
    });

    // Delete every item, then upsert the file back: same ids, same values.
    for (const item of originals) await http.as('alice').delete(`/api/content-items/${item.id}`).expect(204);
    const imported = await importFile('notes', file, 'upsert').expect(202);
    const importTask = await http.finishedTask('alice', (imported.body as { taskId: string }).taskId);
    expect(importTask).toMatchObject({
      status: 'completed',
      result: { inserted: originals.length, updated: 0, failed: 0 },
    });
    const restored = await allItems('notes');
    expect(new Map(restored.map((item) => [item.id, item.values]))).toEqual(
      new Map(originals.map((item) => [item.id, item.values])),
    );

    // The same file into another type inserts new items with the same values.
    const copied = await importFile('copies', file, 'insert').expect(202);
    expect(await http.finishedTask('alice', (copied.body as { taskId: string }).taskId)).toMatchObject({
      result: { inserted: originals.length, failed: 0 },
    });
    const copies = await allItems('copies');
    expect(copies.map((item) => item.values)).toEqual(originals.map((item) => item.values));
    expect(copies.every((copy) => !originals.some((original) => original.id === copy.id))).toBe(true);
  });

  it('exports a search, in a chosen order, with a subset of the fields', async () => {
    const { file } = await exportAll('alice', 'notes', {
      search: 'break',
      orderBy: 'title',
      direction: 'desc',
      fields: ['title', 'score'],
    });
    const text = file.toString('utf8').slice(1);
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('id,createdAt,updatedAt,title,score');
    expect(text).toMatch(/windows\r\nbreak[\s\S]*line\nbreak/);
    expect(text).not.toContain('lone\rreturn');
  });

  it('refuses bad export options with a 400 and enqueues nothing', async () => {
    const before = await db.count();
    const unknownField = await http
      .as('alice')
      .post('/api/content-types/notes/exports')
      .send({ fields: ['title', 'colour'] })
      .expect(400);
    expect(unknownField.body.message).toMatch(/fields colour are not fields of notes/);
    const badOrder = await http
      .as('alice')
      .post('/api/content-types/notes/exports')
      .send({ orderBy: 'body' })
      .expect(400);
    expect(badOrder.body.message).toMatch(/orderBy must be createdAt, updatedAt or one of the fields/);
    await http.as('alice').post('/api/content-types/nope/exports').send({}).expect(404);
    expect(await db.count()).toBe(before);
  });

  it('serves a file only to the task’s creator and admins', async () => {
    const { taskId } = await exportAll('alice', 'notes');
    await http.as('bob').get(`/api/background-tasks/${taskId}/file`).expect(404);
    await http.download('root', taskId);
    await http.as('alice').get('/api/background-tasks/not-an-id/file').expect(400);
  });

  it('reports invalid rows in an errors CSV and imports the others', async () => {
    const csv =
      'title,score,done,kind\r\n' +
      'Good one,1.5,true,plain\r\n' +
      ',2,false,plain\r\n' + // row 3: no title
      'Bad score,lots,,\r\n' + // row 4
      'Good two,,,=formula\r\n' +
      'Bad kind,3,maybe,podcast\r\n'; // row 6: two problems
    const started = await importFile('copies', csv).expect(202);
    const taskId = (started.body as { taskId: string }).taskId;
    const task = await http.finishedTask('alice', taskId);
    expect(task).toMatchObject({
      status: 'completed',
      result: { inserted: 2, updated: 0, failed: 3, fileName: 'errors.csv' },
    });
    const report = (await http.download('alice', taskId)).toString('utf8');
    expect(report).toBe(
      '\uFEFFline,column,message\r\n' +
        '3,title,is required\r\n' +
        '4,score,must be a finite number\r\n' +
        '6,done,must be true or false\r\n' +
        '6,kind,"must be one of: plain, =formula, @handle"\r\n',
    );
  });

  it('lists the first 10,000 errors and counts the rest', async () => {
    // 6,000 rows with two errors each: no title, a score that is no number.
    const csv = 'title,score\r\n' + ',x\r\n'.repeat(6_000);
    const started = await importFile('copies', csv).expect(202);
    const taskId = (started.body as { taskId: string }).taskId;
    const task = await http.finishedTask('alice', taskId);
    expect(task).toMatchObject({
      status: 'completed',
      result: { inserted: 0, failed: 6_000, fileName: 'errors.csv', errorsNotListed: 2_000 },
    });
    const lines = (await http.download('alice', taskId)).toString('utf8').split('\r\n');
    expect(lines.length).toBe(1 + MAX_LISTED_ERRORS + 1 + 1); // header, errors, the count, the final break
    expect(lines.slice(1, 3)).toEqual(['2,title,is required', '2,score,must be a finite number']);
    expect(lines[MAX_LISTED_ERRORS]).toBe('5001,score,must be a finite number');
    expect(lines.at(-2)).toBe(',,"2,000 more errors are not listed: the report lists the first 10,000"');
  }, 60_000);

  it('imports an item of 100,000 accented characters, which the API then takes back with PUT', async () => {
    const body = 'é'.repeat(100_000);
    const started = await importFile('copies', `title,body\r\nlong one,${body}\r\n`).expect(202);
    const task = await http.finishedTask('alice', (started.body as { taskId: string }).taskId);
    expect(task).toMatchObject({ status: 'completed', result: { inserted: 1, failed: 0 } });
    const item = (await allItems('copies')).find((candidate) => candidate.values.title === 'long one')!;
    expect(item.values.body).toBe(body);
    await http.as('alice').put(`/api/content-items/${item.id}`).send({ values: item.values }).expect(200);
  });

  it.each([
    [
      'a wrong header',
      'title,colour\r\nx,red\r\n',
      /Line 1: the header has a column that copies does not have: "colour"/,
    ],
    ['a header with a formula', '=cmd|x,title\r\n1,x\r\n', /does not have: "=cmd\|x"/],
    ['broken quotes', 'title\r\n"never closed\r\n', /Line 2: a quoted field is never closed/],
    [
      'another encoding',
      Buffer.concat([Buffer.from('title\r\ncaf'), Buffer.from([0xe9]), Buffer.from('\r\n')]),
      /Line 2: the file is not valid UTF-8/,
    ],
    ['an empty file', '', /Line 1: the file is empty/],
  ])('refuses %s at once (400) and imports nothing', async (_what, content, message) => {
    const before = await db.count();
    const response = await importFile('copies', content).expect(400);
    expect(response.body).toMatchObject({
      code: 'CONTENT_IMPORT.INVALID_FILE',
      message: expect.stringMatching(message),
    });
    expect(await db.count()).toBe(before);
  });

  it('fails the task, importing nothing, when the file breaks after the part checked at upload', async () => {
    const itemsBefore = (await allItems('copies')).length;
    const goodRows = Array.from(
      { length: 30_000 },
      (_, i) => `Row ${i} with some padding text,${i}\r\n`,
    ).join('');
    const csv = `title,score\r\n${goodRows}"broken,1\r\n`;
    const started = await importFile('copies', csv).expect(202);
    const task = await http.finishedTask('alice', (started.body as { taskId: string }).taskId);
    expect(task).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: {
        code: 'INVALID_FILE',
        message: 'Line 30002: a quoted field is never closed (unbalanced quotes)',
      },
    });
    expect((await allItems('copies')).length).toBe(itemsBefore);
  }, 120_000);

  it('refuses a file over the upload limit with a 413, and a request without a file with a 400', async () => {
    await importFile('copies', `title\r\n${'x'.repeat(3 * 1024 * 1024)}\r\n`).expect(413);
    const missing = await http
      .as('alice')
      .post('/api/content-types/copies/imports')
      .field('mode', 'insert')
      .expect(400);
    expect(missing.body.message).toMatch(/multipart form field "file"/);
    const badMode = await importFile('copies', 'title\r\nx\r\n', 'merge').expect(400);
    expect(JSON.stringify(badMode.body.message)).toMatch(
      /mode must be one of the following values: insert, upsert/,
    );
  });
});
