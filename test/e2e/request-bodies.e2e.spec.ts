import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import { HttpClient, TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

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
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    await app.listen(0, '127.0.0.1');
    http = new HttpClient(app);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const json = JSON.stringify({ steps: 1, stepMs: 10 });

  it.each([
    ['text/plain', { 'content-type': 'text/plain' }, /type text\/plain is not accepted/],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }, /x-www-form-urlencoded/],
    ['no Content-Type', {}, /has no Content-Type/],
  ])('refuses a body sent as %s with 415, and writes nothing', async (_, headers, message) => {
    const before = await db.count();
    const response = await rawPost(app, '/api/demo-tasks', json, headers);
    expect(response.status).toBe(415);
    expect(response.body.message).toMatch(message);
    expect(await db.count()).toBe(before);
  });

  it('takes the same body as JSON, and a request with no body at all', async () => {
    const response = await rawPost(app, '/api/demo-tasks', json, {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(response.status).toBe(202);
    const { taskId } = response.body as { taskId: string };
    // A cancel has no body: nothing to check.
    await http
      .as('alice')
      .post(`/api/background-tasks/${taskId}/cancel`)
      .expect((res) => {
        expect([200, 202, 409]).toContain(res.status);
      });
  });

  it.each([
    ['/api/demo-tasks', (deep: string) => deep],
    ['/api/content-types', (deep: string) => `{"developerName":"deep","name":"Deep","fields":${deep}}`],
    ['/api/content-types/articles/items', (deep: string) => `{"values":{"title":${deep}}}`],
    ['/api/content-types/articles/exports', (deep: string) => `{"search":${deep}}`],
  ])('refuses 1,500 nested arrays sent to %s with 400, and writes nothing', async (path, body) => {
    const deep = '['.repeat(1_500) + ']'.repeat(1_500);
    const tasks = await db.count();
    const items = await db.sql<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${db.table('content_items')}`,
    );
    const response = await rawPost(app, path, body(deep), { 'content-type': 'application/json' });
    expect(response).toMatchObject({
      status: 400,
      body: { message: 'The request body nests deeper than 32 levels' },
    });
    expect(await db.count()).toBe(tasks);
    expect(await db.sql(`SELECT COUNT(*) AS n FROM ${db.table('content_items')}`)).toEqual(items);
  });
});
