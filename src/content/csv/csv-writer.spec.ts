import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { csvRecords } from './csv-writer.js';

describe('csvRecords', () => {
  it('quotes fields holding a comma, a quote, CR or LF, and doubles the quotes', () => {
    expect(csvRecords([['plain', 'a,b', 'say "hi"', 'line\nbreak', 'cr\r', '', ' spaced ']])).toBe(
      'plain,"a,b","say ""hi""","line\nbreak","cr\r",, spaced \r\n',
    );
  });

  it('writes what csv-stringify writes with the options the exports used, for any text', () => {
    const field = fc.oneof(
      fc.string({ unit: 'grapheme' }),
      fc.constantFrom('"', ',', '\r', '\n', '\r\n', ' ', '""', '=1+1'),
      fc.integer().map(String),
    );
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 8 }), { maxLength: 5 }), (records) => {
        const expected = stringify(records, { record_delimiter: '\r\n', quoted_match: /[\r\n]/ });
        expect(csvRecords(records)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
