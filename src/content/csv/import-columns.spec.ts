import type { ContentType } from '../model/content-type.js';
import { importColumns } from './import-columns.js';

const type = {
  developerName: 'articles',
  fields: [
    { developerName: 'title', label: 'Title', type: 'text', required: true },
    { developerName: 'rating', label: 'Rating', type: 'number', required: false },
  ],
} as unknown as ContentType;

describe('importColumns', () => {
  it('maps the columns an export writes, in any order, with optional fields left out', () => {
    expect(importColumns(type, ['title', 'updatedAt', 'id', 'createdAt'])).toEqual({
      id: 2,
      fields: [{ index: 0, field: type.fields[0] }],
    });
  });

  it.each([
    [['id', 'rating'], /lacks the required field "title"/],
    [['title', 'colour'], /a column that articles does not have: "colour"/],
    [['title', '=HYPERLINK("x")'], /does not have: "=HYPERLINK/],
    [['title', 'title'], /the column "title" appears twice/],
    [
      ['title', ...Array.from({ length: 100_000 }, (_, i) => `c${i}`)],
      /100000 columns .* "c0", .* and 99995 more/,
    ],
  ])('refuses the header %#, on line 1', (header, message) => {
    expect(() => importColumns(type, header)).toThrow(/^Line 1: /);
    expect(() => importColumns(type, header)).toThrow(message);
  });
});
