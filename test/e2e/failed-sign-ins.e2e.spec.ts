import request from 'supertest';
import { TEST_USERS } from '../support/http-client.js';
import { appPerSuite } from '../support/app-per-suite.js';
import { TEST_ENGINES } from '../support/test-database.js';

describe.each(TEST_ENGINES)('wrong tokens [%s]', (engine) => {
  const suite = appPerSuite(engine, { env: { AUTH_FAILURES_PER_MINUTE: '5' } });

  const withToken = (token: string) =>
    request(suite.app.getHttpServer()).get('/api/background-tasks').set('Authorization', `Bearer ${token}`);

  it('answers 401 up to the limit, then 429 with Retry-After to any token from that address', async () => {
    // A right token and a missing one never count.
    await withToken(TEST_USERS.alice).expect(200);
    await request(suite.app.getHttpServer()).get('/api/background-tasks').expect(401);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await withToken(`wrong-token-${attempt}-0123456789`).expect(401);
    }
    const refused = await withToken('wrong-token-6-0123456789').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body.message).toMatch(/Too many wrong tokens from this address: try again in \d+ s/);
    // While it waits, a right token is refused too (guessing gains nothing), and a public route ignores it.
    await withToken(TEST_USERS.alice).expect(429);
    const health = await request(suite.app.getHttpServer())
      .get('/health')
      .set('Authorization', `Bearer ${TEST_USERS.root}`);
    expect(health.status).toBe(200);
    // Without TRUST_PROXY, X-Forwarded-For is the client's word: it changes nothing.
    await withToken(TEST_USERS.alice).set('X-Forwarded-For', '198.51.100.20').expect(429);
  });
});

describe.each(TEST_ENGINES)('wrong tokens behind a proxy [%s]', (engine) => {
  const suite = appPerSuite(engine, { env: { AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'loopback' } });

  const from = (client: string, token: string) =>
    request(suite.app.getHttpServer())
      .get('/api/background-tasks')
      .set('Authorization', `Bearer ${token}`)
      .set('X-Forwarded-For', client);

  it('counts each client the trusted proxy names, so one guesser does not lock out the others', async () => {
    for (let attempt = 1; attempt <= 3; attempt++)
      await from('203.0.113.7', `wrong-${attempt}-0123456789`).expect(401);
    await from('203.0.113.7', 'wrong-4-0123456789').expect(429);
    await from('203.0.113.7', TEST_USERS.alice).expect(429);
    await from('198.51.100.20', TEST_USERS.alice).expect(200);
  });
});
