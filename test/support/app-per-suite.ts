import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import { HttpClient, TEST_ADMIN_TOKENS } from './http-client.js';
import { createTestApp } from './test-app.js';
import { TestDatabase, type TEST_ENGINES } from './test-database.js';

export interface SuiteApp {
  readonly db: TestDatabase;
  readonly app: INestApplication<App>;
  readonly http: HttpClient;
}

/**
 * One database and one application (with the test users) for the suite it is called in: made before its
 * first test, closed after its last. `listen` also opens a port, for clients that need a real socket.
 */
export function appPerSuite(
  engine: (typeof TEST_ENGINES)[number],
  options: { env?: Record<string, string>; listen?: boolean } = {},
): SuiteApp {
  const suite = {} as { db: TestDatabase; app: INestApplication<App>; http: HttpClient };
  beforeAll(async () => {
    suite.db = await TestDatabase.create(engine);
    suite.app = await createTestApp(suite.db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS, ...options.env } });
    if (options.listen) await suite.app.listen(0, '127.0.0.1');
    suite.http = new HttpClient(suite.app);
  });
  afterAll(async () => {
    await suite.app?.close();
    await suite.db?.dispose();
  });
  return suite;
}
