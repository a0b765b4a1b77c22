import { MAX_ITEM_LENGTH, MAX_LONG_TEXT_LENGTH, type ContentType } from './content-type.js';
import { cellToValue, checkValues, searchTextOf, valueToCell } from './field-values.js';

const type: ContentType = {
  id: 'ignored',
  developerName: 'articles',
  labelSingular: 'Article',
  labelPlural: 'Articles',
  description: null,
  createdAt: new Date(),
  updatedAt: new Date(),
  fields: [
    { developerName: 'title', label: 'Title', type: 'text', required: true },
    { developerName: 'body', label: 'Body', type: 'long_text', required: false },
    { developerName: 'rating', label: 'Rating', type: 'number', required: false },
    { developerName: 'published', label: 'Published', type: 'boolean', required: false },
    { developerName: 'day', label: 'Day', type: 'date', required: false },
    { developerName: 'kind', label: 'Kind', type: 'choice', required: false, choices: ['news', 'blog'] },
  ],
};

describe('checkValues', () => {
  it('accepts valid values and stores missing or empty ones as null', () => {
    expect(
      checkValues(type, { title: 'Hi', body: '', rating: -1.5, published: false, day: '2024-02-29' }),
    ).toEqual({
      ok: true,
      values: { title: 'Hi', body: null, rating: -1.5, published: false, day: '2024-02-29', kind: null },
    });
  });

  it('names every problem, field by field', () => {
    const checked = checkValues(type, {
      title: '',
      rating: '5',
      published: 'yes',
      day: '2023-02-29',
      kind: 'podcast',
      colour: 'red',
    });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems).toEqual([
      { field: 'colour', message: 'is not a field of articles' },
      { field: 'title', message: 'is required' },
      { field: 'rating', message: 'must be a finite number' },
      { field: 'published', message: 'must be true or false' },
      { field: 'day', message: 'must be a date written YYYY-MM-DD' },
      { field: 'kind', message: 'must be one of: news, blog' },
    ]);
  });

  it('limits text lengths', () => {
    const checked = checkValues(type, { title: 'x'.repeat(1_001) });
    expect(!checked.ok && checked.problems).toEqual([
      { field: 'title', message: 'must be at most 1000 characters' },
    ]);
  });

  it('refuses text no engine stores as given', () => {
    const checked = checkValues(type, { title: 'a\u0000b', body: 'lone \ud83d', kind: 'news\udc00' });
    const unstorable = 'must be well-formed text: no NUL character (\\u0000) and no lone surrogate';
    expect(!checked.ok && checked.problems).toEqual([
      { field: 'title', message: unstorable },
      { field: 'body', message: unstorable },
      { field: 'kind', message: 'must be one of: news, blog' },
    ]);
    expect(checkValues(type, { title: 'pair 😀' }).ok).toBe(true);
  });

  it('limits the text of an item as a whole', () => {
    const many: ContentType = {
      ...type,
      fields: Array.from({ length: MAX_ITEM_LENGTH / MAX_LONG_TEXT_LENGTH + 1 }, (_, i) => ({
        developerName: `text_${i}`,
        label: `Text ${i}`,
        type: 'long_text' as const,
        required: false,
      })),
    };
    const full = (fields: number, last = 0) =>
      Object.fromEntries(
        many.fields.map((field, i) => [
          field.developerName,
          'x'.repeat(i < fields ? MAX_LONG_TEXT_LENGTH : i === fields ? last : 0),
        ]),
      );
    expect(checkValues(many, full(10)).ok).toBe(true);
    expect(checkValues(many, full(10, 1))).toEqual({
      ok: false,
      problems: [
        {
          field: 'values',
          message: 'hold 1,000,001 characters of text together, more than the 1,000,000 an item may hold',
        },
      ],
    });
  });

  it('reads only own properties: an inherited key is no value', () => {
    const old: ContentType = {
      ...type,
      fields: [{ developerName: 'constructor', label: 'Constructor', type: 'text', required: false }],
    };
    expect(checkValues(old, {})).toEqual({ ok: true, values: { constructor: null } });
  });
});

describe('CSV cells', () => {
  const field = (name: string) => type.fields.find((f) => f.developerName === name)!;

  it.each([
    ['rating', '3.25', 3.25],
    ['rating', '-1e3', -1000],
    ['rating', '', null],
    ['rating', 'abc', 'abc'],
    ['published', 'TRUE', true],
    ['published', 'false', false],
    ['title', ' spaced ', ' spaced '],
  ])('reads %s cell %j as %j', (name, cell, value) => {
    expect(cellToValue(field(name), cell)).toEqual(value);
  });

  it('writes the cells the reader reads back', () => {
    for (const value of [0, -0.5, 1e21, true, false, 'text', null]) {
      const name = typeof value === 'number' ? 'rating' : typeof value === 'boolean' ? 'published' : 'title';
      expect(cellToValue(field(name), valueToCell(value))).toEqual(value);
    }
  });

  it('builds the search text from text fields, lower-cased', () => {
    expect(
      searchTextOf(type, {
        title: 'Hello WORLD',
        body: 'Ünïcode',
        rating: 3,
        kind: 'news',
        day: '2024-01-01',
      }),
    ).toBe('hello world\nünïcode\nnews');
  });
});
