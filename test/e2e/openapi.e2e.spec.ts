import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { APP_FEATURES } from '../../src/app.features.js';
import type { App } from 'supertest/types.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

/** The schemas each feature adds to the document (src/app.features.ts says which are mounted). */
const FEATURE_SCHEMAS: Record<string, string[]> = {
  content: [
    'ContentTypeView',
    'FieldDefinitionView',
    'ContentItemView',
    'ContentItemPageView',
    'CreateContentTypeRequestDto',
    'FieldDefinitionDto',
    'ContentValuesRequestDto',
    'ExportContentItemsRequestDto',
  ],
  demo: ['StartDemoTaskRequestDto'],
};

interface Operation {
  security?: Record<string, string[]>[];
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  parameters?: { in: string; name: string }[];
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components: {
    securitySchemes: Record<string, unknown>;
    schemas: Record<string, { properties?: Record<string, unknown> }>;
  };
}
interface RouteLayer {
  route?: { path: string; methods: Record<string, boolean> };
}

/** Every route Express serves, as `METHOD /path/{param}`, from the application's own router. */
function servedRoutes(app: INestApplication): string[] {
  const express = app.getHttpAdapter().getInstance() as { router: { stack: RouteLayer[] } };
  return express.router.stack.flatMap(({ route }) =>
    route
      ? Object.keys(route.methods).map(
          (method) => `${method.toUpperCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`,
        )
      : [],
  );
}

describe('OpenAPI at /docs', () => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let document: OpenApiDocument;

  beforeAll(async () => {
    db = await TestDatabase.create('sqlite');
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    const response = await request(app.getHttpServer()).get('/docs/openapi.json').expect(200);
    document = response.body as OpenApiDocument;
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  it('serves Swagger UI without a token', async () => {
    const page = await request(app.getHttpServer()).get('/docs').expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('swagger-ui');
  });

  it('describes every route the application serves, except the dashboard, its icon and the docs themselves', () => {
    const served = servedRoutes(app).filter((route) => !/ \/(admin|docs|favicon\.ico)\b/.test(route));
    const documented = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThanOrEqual(10); // the platform's own, whatever features are mounted
    expect(documented.sort()).toEqual([...new Set(served)].sort());
  });

  it('requires the bearer scheme on /api, documents 401 and the other errors with one schema', () => {
    expect(document.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const errorSchema = '#/components/schemas/ErrorResponseDto';
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (!path.startsWith('/api/')) {
          expect({ where, security: operation.security }).toEqual({ where, security: [] });
          continue;
        }
        expect({ where, security: operation.security }).toEqual({ where, security: [{ bearer: [] }] });
        const statuses = Object.keys(operation.responses);
        expect({ where, has2xx: statuses.some((s) => s.startsWith('2')) }).toEqual({ where, has2xx: true });
        for (const status of statuses.filter((s) => /^[45]/.test(s))) {
          const schema = operation.responses[status].content?.['application/json']?.schema?.$ref;
          expect({ where, status, schema }).toEqual({ where, status, schema: errorSchema });
        }
        expect(statuses).toContain('401');
        // A malformed or unknown id is a documented answer wherever the path takes one.
        if (path.includes('{id}')) expect(statuses).toEqual(expect.arrayContaining(['400', '404']));
      }
    }
  });

  it('gives the schema of every body and answer, down to each field the API really returns', async () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        'BackgroundTaskView',
        'BackgroundTaskPageView',
        'AttemptErrorView',
        'TaskAcceptedView',
        'IssuedStreamToken',
        'ResumeBackgroundTaskRequestDto',
        'ErrorResponseDto',
        ...APP_FEATURES.flatMap((feature) => FEATURE_SCHEMAS[feature.name] ?? []),
      ]),
    );
    const http = new HttpClient(app);
    const started = await http.as('alice').post('/api/test-tasks').send({ steps: 1, stepMs: 0 }).expect(202);
    const task = await http.finishedTask('alice', (started.body as { taskId: string }).taskId);
    const properties = Object.keys(document.components.schemas.BackgroundTaskView.properties ?? {});
    expect(properties).toEqual(expect.arrayContaining(Object.keys(task)));
    const list = document.paths['/api/background-tasks'].get;
    expect(list.parameters?.map((p) => `${p.in}:${p.name}`).sort()).toEqual(
      ['query:createdBy', 'query:cursor', 'query:limit', 'query:name', 'query:status'].sort(),
    );
  });
});
