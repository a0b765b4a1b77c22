import type { INestApplication } from '@nestjs/common';
import type { App } from 'supertest/types.js';
import type { ContentItemView, ContentTypeView } from '../../src/content/content.views.js';
import type { ContentItemPage } from '../../src/content/queries/list-content-items/list-content-items.query.js';
import { HttpClient, TEST_ADMIN_TOKENS } from '../support/http-client.js';
import { createTestApp } from '../support/test-app.js';
import { TEST_ENGINES, TestDatabase } from '../support/test-database.js';

const BOOKS = {
  developerName: 'books',
  labelSingular: 'Book',
  labelPlural: 'Books',
  fields: [
    { developerName: 'title', label: 'Title', type: 'text', required: true },
    { developerName: 'pages', label: 'Pages', type: 'number' },
    { developerName: 'genre', label: 'Genre', type: 'choice', choices: ['novel', 'essay'] },
    { developerName: 'in_print', label: 'In print', type: 'boolean' },
  ],
};

describe.each(TEST_ENGINES)('content types and items over HTTP [%s]', (engine) => {
  let db: TestDatabase;
  let app: INestApplication<App>;
  let http: HttpClient;

  beforeAll(async () => {
    db = await TestDatabase.create(engine);
    app = await createTestApp(db, { env: { ADMIN_TOKENS: TEST_ADMIN_TOKENS } });
    http = new HttpClient(app);
    await http.as('root').post('/api/content-types').send(BOOKS).expect(201);
  });

  afterAll(async () => {
    await app?.close();
    await db?.dispose();
  });

  describe('content types', () => {
    it('creates a type (admins only) and serves it by developer name', async () => {
      const created = await http
        .as('root')
        .post('/api/content-types')
        .send({ ...BOOKS, developerName: 'magazines', description: 'Monthly' })
        .expect(201);
      expect(created.headers.location).toBe('/api/content-types/magazines');
      expect(created.body.fields[1]).toEqual({
        developerName: 'pages',
        label: 'Pages',
        type: 'number',
        required: false,
      });
      const fetched = await http.as('alice').get('/api/content-types/magazines').expect(200);
      expect(fetched.body).toMatchObject({ developerName: 'magazines', description: 'Monthly' });
      const list = await http.as('bob').get('/api/content-types').expect(200);
      expect((list.body as ContentTypeView[]).map((type) => type.developerName)).toEqual([
        'books',
        'magazines',
      ]);
      await http
        .as('alice')
        .post('/api/content-types')
        .send({ ...BOOKS, developerName: 'zines' })
        .expect(403);
    });

    it.each([
      [{ ...BOOKS, developerName: 'Books!' }, /developerName must be lower-case letters/],
      [{ ...BOOKS, fields: [] }, /fields must contain at least 1 elements/],
      [
        { ...BOOKS, fields: [{ developerName: 'x', label: 'X', type: 'colour' }] },
        /type must be one of the following values/,
      ],
      [
        { ...BOOKS, developerName: 'b2', fields: [BOOKS.fields[0], BOOKS.fields[0]] },
        /"title" is defined twice/,
      ],
      [
        { ...BOOKS, developerName: 'b3', fields: [{ developerName: 'id', label: 'Id', type: 'text' }] },
        /"id" is reserved/,
      ],
      [
        { ...BOOKS, developerName: 'b4', fields: [{ developerName: 'c', label: 'C', type: 'choice' }] },
        /needs choices/,
      ],
    ])('refuses an invalid type %# with a 400 naming the problem', async (body, message) => {
      const response = await http.as('root').post('/api/content-types').send(body).expect(400);
      const text: unknown = response.body.message;
      expect(typeof text === 'string' ? text : JSON.stringify(text)).toMatch(message);
    });

    it('refuses a developer name that is taken (409) and an unknown one (404)', async () => {
      const taken = await http.as('root').post('/api/content-types').send(BOOKS).expect(409);
      expect(taken.body.code).toBe('CONTENT_TYPE.ALREADY_EXISTS');
      const unknown = await http.as('root').get('/api/content-types/nope').expect(404);
      expect(unknown.body.code).toBe('CONTENT_TYPE.NOT_FOUND');
    });
  });

  describe('content items', () => {
    it('creates, reads, replaces and deletes an item', async () => {
      const created = await http
        .as('alice')
        .post('/api/content-types/books/items')
        .send({ values: { title: 'Dune', pages: 412, genre: 'novel', in_print: true } })
        .expect(201);
      const item = created.body as ContentItemView;
      expect(created.headers.location).toBe(`/api/content-items/${item.id}`);
      expect(item.values).toEqual({ title: 'Dune', pages: 412, genre: 'novel', in_print: true });

      expect((await http.as('bob').get(`/api/content-items/${item.id}`).expect(200)).body).toEqual(item);
      const replaced = await http
        .as('bob')
        .put(`/api/content-items/${item.id}`)
        .send({ values: { title: 'Dune Messiah' } })
        .expect(200);
      expect(replaced.body.values).toEqual({
        title: 'Dune Messiah',
        pages: null,
        genre: null,
        in_print: null,
      });
      expect(replaced.body.updatedAt >= item.updatedAt).toBe(true);

      await http.as('bob').delete(`/api/content-items/${item.id}`).expect(204);
      await http.as('bob').get(`/api/content-items/${item.id}`).expect(404);
      await http.as('bob').delete(`/api/content-items/${item.id}`).expect(404);
    });

    it('refuses invalid values with a 400 naming each field, and writes nothing', async () => {
      const before = await http.as('root').get('/api/content-types/books/items?limit=100');
      const response = await http
        .as('alice')
        .post('/api/content-types/books/items')
        .send({ values: { pages: 'many', genre: 'poem', isbn: '123' } })
        .expect(400);
      expect(response.body).toMatchObject({ code: 'CONTENT_ITEM.INVALID_VALUES' });
      expect(response.body.message).toBe(
        'isbn is not a field of books; title is required; pages must be a finite number; genre must be one of: novel, essay',
      );
      await http.as('alice').post('/api/content-types/books/items').send({ values: 'x' }).expect(400);
      await http.as('alice').post('/api/content-types/nope/items').send({ values: {} }).expect(404);
      await http.as('alice').put('/api/content-items/not-a-uuid').send({ values: {} }).expect(400);
      const after = await http.as('root').get('/api/content-types/books/items?limit=100');
      expect(after.body.items).toHaveLength(before.body.items.length);
    });
  });

  describe('listing', () => {
    const titles = (page: ContentItemPage) => page.items.map((item) => item.values.title);
    let created: string[];

    beforeAll(async () => {
      await http
        .as('root')
        .post('/api/content-types')
        .send({ ...BOOKS, developerName: 'shelf' })
        .expect(201);
      created = [];
      const books = [
        { title: 'Emma', pages: 474, in_print: true },
        { title: 'Walden', pages: 352 },
        { title: 'Ulysses', pages: 730, in_print: false },
        { title: 'Middlemarch' },
        { title: 'Beloved', pages: 324, in_print: true },
        { title: 'walden pond notes', pages: 20 },
      ];
      for (const values of books) {
        const { body } = await http
          .as('alice')
          .post('/api/content-types/shelf/items')
          .send({ values })
          .expect(201);
        created.push((body as ContentItemView).id);
      }
    });

    async function allPages(query: string, limit = 2): Promise<string[]> {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const suffix: string = cursor ? `&cursor=${cursor}` : '';
        const { body } = await http
          .as('bob')
          .get(`/api/content-types/shelf/items?limit=${limit}&${query}${suffix}`)
          .expect(200);
        const page = body as ContentItemPage;
        seen.push(...titles(page).map(String));
        cursor = page.nextCursor;
      } while (cursor);
      return seen;
    }

    it('pages in creation order by default', async () => {
      expect(await allPages('')).toEqual([
        'Emma',
        'Walden',
        'Ulysses',
        'Middlemarch',
        'Beloved',
        'walden pond notes',
      ]);
      expect(await allPages('direction=desc')).toEqual([
        'walden pond notes',
        'Beloved',
        'Middlemarch',
        'Ulysses',
        'Walden',
        'Emma',
      ]);
    });

    it('orders by a number field, missing values first, across pages', async () => {
      expect(await allPages('orderBy=pages')).toEqual([
        'Middlemarch',
        'walden pond notes',
        'Beloved',
        'Walden',
        'Emma',
        'Ulysses',
      ]);
      expect(await allPages('orderBy=pages&direction=desc', 4)).toEqual([
        'Ulysses',
        'Emma',
        'Walden',
        'Beloved',
        'walden pond notes',
        'Middlemarch',
      ]);
    });

    it('orders by a boolean field and searches text case-insensitively', async () => {
      expect((await allPages('orderBy=in_print')).slice(-2).sort()).toEqual(['Beloved', 'Emma']);
      expect(await allPages('search=WALDEN')).toEqual(['Walden', 'walden pond notes']);
      expect(await allPages('search=50%25')).toEqual([]);
    });

    it.each([
      [
        'orderBy=colour',
        /orderBy must be createdAt, updatedAt or one of the fields of shelf: title, pages, genre, in_print/,
      ],
      ['direction=up', /direction must be one of the following values: asc, desc/],
      ['cursor=xyz', /cursor is not valid/],
      ['limit=101', /limit must not be greater than 100/],
    ])('refuses ?%s with a 400 naming the problem', async (query, message) => {
      const response = await http.as('bob').get(`/api/content-types/shelf/items?${query}`).expect(400);
      expect(JSON.stringify(response.body.message)).toMatch(message);
    });
  });
});
