import { DemoContentSeeder } from '../../src/content/seed/demo-content.seeder.js';
import { ContentTypeRepository } from '../../src/content/storage/content-type.repository.js';
import { createTestApp } from '../support/test-app.js';
import { TestDatabase } from '../support/test-database.js';

/**
 * After a bulk write the planner's statistics are refreshed, so that a keyset page (an export's or the
 * list's) walks the (content_type_id, created_at, id) index and stops after LIMIT rows, instead of reading
 * and sorting every remaining item of the type for each page (quadratic over an export).
 */
(process.env.TEST_POSTGRES_URL ? describe : describe.skip)(
  'keyset pages after a bulk write [postgres]',
  () => {
    let db: TestDatabase;

    beforeAll(async () => {
      db = await TestDatabase.create('postgres');
    });

    afterAll(async () => {
      await db?.dispose();
    });

    it('walk the creation-order index right after 20,000 items were seeded', async () => {
      const app = await createTestApp(db, { env: { APP_ROLE: 'api' } });
      try {
        await app.get(DemoContentSeeder).ensureArticles(20_000);
        const type = (await app.get(ContentTypeRepository).findByDeveloperName('articles'))!;
        const plan = await db.sql<{ 'QUERY PLAN': string }>(
          `EXPLAIN SELECT id, field_values, created_at FROM ${db.table('content_items')}
         WHERE content_type_id = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id LIMIT 1000`,
          [type.id, new Date(0), '00000000-0000-0000-0000-000000000000'],
        );
        const text = plan.map((row) => row['QUERY PLAN']).join('\n');
        expect(text).toContain('Index Scan using content_items_created');
        expect(text).not.toMatch(/\bSort\b/);
      } finally {
        await app.close();
      }
    }, 120_000);
  },
);
