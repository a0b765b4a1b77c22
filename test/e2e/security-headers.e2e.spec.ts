import request from 'supertest';
import { TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { appPerSuite } from '../support/app-per-suite.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES } from '../support/test-database.js';

describe.each(TEST_ENGINES)('security headers [%s]', (engine) => {
  const suite = appPerSuite(engine);

  const server = () => request(suite.app.getHttpServer());

  it('sends them on every kind of response: the API, its errors, health, docs and the dashboard', async () => {
    const responses = {
      api: await suite.http.as('alice').get('/api/background-tasks').expect(200),
      unauthenticated: await server().get('/api/background-tasks').expect(401),
      missing: await suite.http.as('alice').get('/api/no-such-route').expect(404),
      health: await server().get('/health'),
      docs: await server().get('/docs').expect(200),
      openapi: await server().get('/docs/openapi.json').expect(200),
      admin: await server().get('/admin').expect(200),
    };
    for (const [what, response] of Object.entries(responses)) {
      expect({ what, headers: response.headers }).toMatchObject({
        what,
        headers: {
          'x-content-type-options': 'nosniff',
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
          'strict-transport-security': expect.stringMatching(/^max-age=\d+/),
          'content-security-policy': expect.stringContaining("frame-ancestors 'none'"),
        },
      });
      expect({ what, poweredBy: response.headers['x-powered-by'] }).toEqual({ what, poweredBy: undefined });
    }
    // The API needs nothing; the docs only their own files; the dashboard keeps its own strict policy.
    expect(responses.api.headers['content-security-policy']).toBe(
      "default-src 'none';frame-ancestors 'none'",
    );
    expect(responses.docs.headers['content-security-policy']).toContain("default-src 'self'");
    expect(responses.admin.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('serves Swagger UI with no inline script, so that its policy holds it', async () => {
    const { text } = await server().get('/docs').expect(200);
    const scripts = text.match(/<script\b[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc=/);
  });

  it('answers no cross-origin request by default', async () => {
    const preflight = await server()
      .options('/api/background-tasks')
      .set('Origin', 'https://elsewhere.example')
      .set('Access-Control-Request-Method', 'GET');
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const read = await suite.http
      .as('alice')
      .get('/api/background-tasks')
      .set('Origin', 'https://elsewhere.example');
    expect(read.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets the origins CORS_ORIGINS lists call the API, and no other', async () => {
    const cors = await createTestApp(suite.db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, CORS_ORIGINS: 'https://suite.app.example.com' },
    });
    try {
      const preflight = (origin: string) =>
        request(cors.getHttpServer())
          .options('/api/background-tasks')
          .set('Origin', origin)
          .set('Access-Control-Request-Method', 'GET')
          .set('Access-Control-Request-Headers', 'authorization');
      const allowed = await preflight('https://suite.app.example.com').expect(204);
      expect(allowed.headers).toMatchObject({
        'access-control-allow-origin': 'https://suite.app.example.com',
        'access-control-allow-headers': expect.stringMatching(/authorization/i),
      });
      expect(
        (await preflight('https://elsewhere.example')).headers['access-control-allow-origin'],
      ).toBeUndefined();
    } finally {
      await cors.close();
    }
  });
});
