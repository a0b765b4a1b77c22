import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { TEST_ADMIN_TOKENS, TEST_USERS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

describe.each(TEST_ENGINES)('wrong tokens [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, {
      env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, AUTH_FAILURES_PER_MINUTE: '5' },
    });
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  const withToken = (token: string) =>
    request(app.getHttpServer()).get('/api/background-tasks').set('Authorization', `Bearer ${token}`);

  it('answers 401 up to the limit, then 429 with Retry-After to any token from that address', async () => {
    // A right token and a missing one never count.
    await withToken(TEST_USERS.alice).expect(200);
    await request(app.getHttpServer()).get('/api/background-tasks').expect(401);
    for (let attempt = 1; attempt <= 5; attempt++) {
      await withToken(`wrong-token-${attempt}-0123456789`).expect(401);
    }
    const refused = await withToken('wrong-token-6-0123456789').expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(refused.body.message).toMatch(/Too many wrong tokens from this address: try again in \d+ s/);
    // While it waits, a right token is refused too (guessing gains nothing), and a public route ignores it.
    await withToken(TEST_USERS.alice).expect(429);
    const health = await request(app.getHttpServer())
      .get('/health')
      .set('Authorization', `Bearer ${TEST_USERS.root}`);
    expect(health.status).toBe(200);
  });
});
