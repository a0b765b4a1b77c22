import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/index.js';
import { ITEM_BODY_MAX_BYTES } from '../../src/content/content-body-limits.js';
import { MAX_ITEM_LENGTH, MAX_LONG_TEXT_LENGTH } from '../../src/content/model/content-type.js';
import { TEST_USERS } from '../support/http-client.js';
import { SleepTask } from '../support/test-tasks.js';
import { appPerSuite } from '../support/app-per-suite.js';
import { TEST_ENGINES } from '../support/test-database.js';

/** A raw request, so that no client adds a Content-Type of its own. */
function rawPost(
  app: INestApplication<App>,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { message?: string } }> {
  const { port } = (app.getHttpServer() as Server).address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: {
          authorization: `Bearer ${TEST_USERS.alice}`,
          'content-length': Buffer.byteLength(body),
          ...headers,
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text || '{}') }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe.each(TEST_ENGINES)('request bodies [%s]', (engine) => {
  const suite = appPerSuite(engine, { listen: true });

  const json = JSON.stringify({ steps: 1, stepMs: 10 });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, /type text\/plain is not accepted/],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, /x-www-form-urlencoded/],
    ['no Content-Type', {}, /has no Content-Type/],
  ])('refuses a body sent as %s with 415, and writes nothing', async (_, headers, message) => {
    const before = await suite.db.count();
    const response = await rawPost(suite.app, '/api/test-tasks', json, headers);
    expect(response.status).toBe(415);
    expect(response.body.message).toMatch(message);
    expect(await suite.db.count()).toBe(before);
  });

  it('takes the same body as JSON, and a request with no body at all', async () => {
    const response = await rawPost(suite.app, '/api/test-tasks', json, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(202);
    const { taskId } = response.body as { taskId: string };
    // A cancel has no body: nothing to check.
    await suite.http
      .as('alice')
      .post(`/api/background-tasks/${taskId}/cancel`)
      .expect((res) => {
        expect([200, 202, 409]).toContain(res.status);
      });
  });

  it.each([
    ['/api/test-tasks', (deep: string) => deep],
    ['/api/content-types', (deep: string) => `{"developerName":"deep","name":"Deep","fields":${deep}}`],
    ['/api/content-types/articles/items', (deep: string) => `{"values":{"title":${deep}}}`],
    ['/api/content-types/articles/exports', (deep: string) => `{"search":${deep}}`],
  ])('refuses 1,500 nested arrays sent to %s with 400, and writes nothing', async (path, body) => {
    const deep = '['.repeat(1_500) + ']'.repeat(1_500);
    const tasks = await suite.db.count();
    const items = await suite.db.sql<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${suite.db.table('content_items')}`,
    );
    const response = await rawPost(suite.app, path, body(deep), { 'content-type': 'application/json' });
    expect(response).toMatchObject({
      status: 400,
      body: { message: 'The request body nests deeper than 32 levels' },
    });
    expect(await suite.db.count()).toBe(tasks);
    expect(await suite.db.sql(`SELECT COUNT(*) AS n FROM ${suite.db.table('content_items')}`)).toEqual(items);
  });

  it.each([
    ['a NUL', '/api/content-types/articles%00'],
    ['a lone surrogate', '/api/content-types/%ED%A0%80'],
    ['a broken escape', '/api/content-types/%E0%A4%A'],
  ])('refuses %s in a path segment with 400', async (_, path) => {
    const response = await suite.http.as('alice').get(path).expect(400);
    expect(response.body.message).toMatch(/The path must be well-formed text/);
  });

  it('names the field that holds a NUL or a lone surrogate, and creates nothing', async () => {
    const type = (label: string, choices: string[] = ['a']) => ({
      developerName: 'texts',
      name: 'Texts',
      fields: [{ developerName: 'pick', label, type: 'choice', choices }],
    });
    for (const [body, field] of [
      [type('Pick\ud800'), 'label'],
      [type('Pick', ['ok', 'b\u0000']), 'choices'],
    ] as const) {
      const response = await suite.http.as('root').post('/api/content-types').send(body).expect(400);
      expect(JSON.stringify(response.body.message)).toMatch(
        new RegExp(`${field} must be well-formed text: no NUL character`),
      );
    }
    await suite.http.as('root').get('/api/content-types/texts').expect(404);
    const list = await suite.http.as('alice').get('/api/background-tasks?name=a%00b').expect(400);
    expect(list.body.message).toMatch(/^The query string must be well-formed text: no NUL character/);
  });

  it('refuses a NUL or a lone surrogate in an idempotency key or a creator, on every engine alike', async () => {
    const queue = suite.app.get(BackgroundTaskQueue);
    const before = await suite.db.count();
    for (const options of [{ idempotencyKey: 'a\u0000b' }, { createdBy: 'x\udc00' }]) {
      await expect(queue.enqueue(SleepTask, { ms: 1 }, options)).rejects.toThrow(
        /(idempotencyKey|createdBy) must be well-formed text/,
      );
    }
    expect(await suite.db.count()).toBe(before);
  });

  describe('item values and body limits', () => {
    /** Long texts: ten of them hold as much text as an item may (MAX_ITEM_LENGTH). */
    const LONG_FIELDS = Array.from({ length: 11 }, (_, i) => `text_${i}`);
    const items = () =>
      suite.db.sql<{ n: number | string }>(`SELECT COUNT(*) AS n FROM ${suite.db.table('content_items')}`);

    beforeAll(async () => {
      await suite.http
        .as('root')
        .post('/api/content-types')
        .send({
          developerName: 'pages',
          labelSingular: 'Page',
          labelPlural: 'Pages',
          fields: [
            { developerName: 'title', label: 'Title', type: 'text' },
            ...LONG_FIELDS.map((name) => ({ developerName: name, label: name, type: 'long_text' })),
          ],
        })
        .expect(201);
    });

    it('names the value that holds a NUL or a lone surrogate, and the export search too; writes nothing', async () => {
      const [itemsBefore, tasksBefore] = [await items(), await suite.db.count()];
      for (const [title, text] of [
        ['a\u0000b', 'fine'],
        ['fine', 'x\ud800'],
      ]) {
        const response = await suite.http
          .as('alice')
          .post('/api/content-types/pages/items')
          .send({ values: { title, text_0: text } })
          .expect(400);
        expect(response.body.message).toMatch(
          /^(title|text_0) must be well-formed text: no NUL character \(\\u0000\) and no lone surrogate$/,
        );
      }
      const search = await suite.http
        .as('alice')
        .post('/api/content-types/pages/exports')
        .send({ search: 'a\udc00' })
        .expect(400);
      expect(JSON.stringify(search.body.message)).toMatch(/search must be well-formed text/);
      // Express's query parser would keep an escape it cannot decode as its literal text.
      const query = await suite.http.as('alice').get('/api/content-types/pages/items?search=%ED%B0%80');
      expect(query.body).toMatchObject({
        statusCode: 400,
        message: /^The query string must be well-formed text/,
      });
      expect([await items(), await suite.db.count()]).toEqual([itemsBefore, tasksBefore]);
    });

    it('takes an item of 100,000 accented characters (200 kB of JSON) and takes it back with PUT', async () => {
      const values = { title: 'accents', text_0: 'é'.repeat(MAX_LONG_TEXT_LENGTH) };
      const created = await suite.http.as('alice').post('/api/content-types/pages/items').send({ values });
      expect(created.status).toBe(201);
      const item = await suite.http.as('alice').get(`/api/content-items/${created.body.id}`).expect(200);
      expect(item.body.values.text_0).toBe(values.text_0);
      await suite.http
        .as('alice')
        .put(`/api/content-items/${created.body.id}`)
        .send({ values: item.body.values })
        .expect(200);
    });

    it('takes the largest valid item written with an escape for every character', async () => {
      const full = LONG_FIELDS.slice(0, MAX_ITEM_LENGTH / MAX_LONG_TEXT_LENGTH);
      const escaped = '\\u00e9'.repeat(MAX_LONG_TEXT_LENGTH);
      const body = `{"values":{${full.map((name) => `"${name}":"${escaped}"`).join(',')}}}`;
      expect(Buffer.byteLength(body)).toBeGreaterThan(6_000_000);
      const response = await rawPost(suite.app, '/api/content-types/pages/items', body, {
        'content-type': 'application/json',
      });
      expect(response.status).toBe(201);
    });

    it('refuses more text than an item may hold with 400, and a larger body with 413 naming the limit', async () => {
      const before = await items();
      const values = Object.fromEntries(LONG_FIELDS.map((name) => [name, 'a'.repeat(MAX_LONG_TEXT_LENGTH)]));
      const tooMuch = await suite.http.as('alice').post('/api/content-types/pages/items').send({ values });
      expect(tooMuch.status).toBe(400);
      expect(tooMuch.body.message).toBe(
        'values hold 1,100,000 characters of text together, more than the 1,000,000 an item may hold',
      );
      const huge = JSON.stringify({ values: { title: 'x'.repeat(ITEM_BODY_MAX_BYTES) } });
      const tooLarge = await rawPost(suite.app, '/api/content-types/pages/items', huge, {
        'content-type': 'application/json',
      });
      expect(tooLarge).toMatchObject({
        status: 413,
        body: { message: 'The request body is 7 MB, more than the 7 MB this route accepts' },
      });
      // Every other route keeps body-parser's 100 kB.
      const small = await rawPost(
        suite.app,
        '/api/test-tasks',
        JSON.stringify({ pad: 'x'.repeat(200_000) }),
        {
          'content-type': 'application/json',
        },
      );
      expect(small).toMatchObject({
        status: 413,
        body: { message: 'The request body is 195.3 kB, more than the 100 kB this route accepts' },
      });
      const broken = await rawPost(suite.app, '/api/test-tasks', '{"steps":', {
        'content-type': 'application/json',
      });
      expect(broken).toMatchObject({ status: 400, body: { message: 'The request body is not valid JSON' } });
      expect(await items()).toEqual(before);
    });

    it.each(['constructor', 'prototype'])(
      'refuses a field named %s at type creation, since request bodies never carry that key',
      async (name) => {
        const response = await suite.http
          .as('root')
          .post('/api/content-types')
          .send({
            developerName: 'builders',
            labelSingular: 'Builder',
            labelPlural: 'Builders',
            fields: [{ developerName: name, label: 'Name', type: 'text' }],
          })
          .expect(400);
        expect(response.body.message).toMatch(
          new RegExp(`fields: "${name}" cannot name a field: request bodies never carry that key`),
        );
        await suite.http.as('root').get('/api/content-types/builders').expect(404);
      },
    );
  });
});
