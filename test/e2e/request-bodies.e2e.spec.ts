import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import { BackgroundTaskQueue } from '../../src/background-tasks/index.js';
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
    const response = await rawPost(suite.app, '/api/demo-tasks', json, headers);
    expect(response.status).toBe(415);
    expect(response.body.message).toMatch(message);
    expect(await suite.db.count()).toBe(before);
  });

  it('takes the same body as JSON, and a request with no body at all', async () => {
    const response = await rawPost(suite.app, '/api/demo-tasks', json, {
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
    ['/api/demo-tasks', (deep: string) => deep],
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
    expect(JSON.stringify(list.body.message)).toMatch(/name must be well-formed text/);
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
});
