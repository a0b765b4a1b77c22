import fc from 'fast-check';
import { CopyExportRecords } from './copy-export-records.js';
import { csvRecords } from './csv-writer.js';

/** A timestamp as PostgreSQL writes it with TimeZone UTC and DateStyle ISO: no trailing zeros of milliseconds. */
function postgresText(time: Date): string {
  const [date, rest] = time.toISOString().split('T');
  const [seconds, millis] = rest.slice(0, -1).split('.');
  const fraction = millis.replace(/0+$/, '');
  return `${date} ${seconds}${fraction ? `.${fraction}` : ''}+00`;
}

/** LF-ended records as COPY … (FORMAT csv) writes them: csvRecords' quoting, LF instead of CRLF. */
const copyCsv = (records: string[][]) =>
  records.map((record) => csvRecords([record]).slice(0, -2) + '\n').join('');

/** Feeds `input` to a converter in chunks cut at the given byte offsets. */
function convertInChunks(input: Buffer, cuts: number[]) {
  const converter = new CopyExportRecords();
  const offsets = [...new Set(cuts.map((cut) => cut % (input.length + 1)))].sort((a, b) => a - b);
  const outputs: Buffer[] = [];
  let from = 0;
  for (const to of [...offsets, input.length]) {
    outputs.push(converter.convert(input.subarray(from, to)));
    from = to;
  }
  return { converter, output: Buffer.concat(outputs) };
}

const id = fc.uuid();
const time = fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms));
const field = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.constantFrom('"', ',', '\r', '\n', '\r\n', '""', '"\n"', 'ünï 🚀', '2026-12-01 07:00:00+00'),
);
const record = fc.tuple(id, time, time, fc.array(field, { maxLength: 5 }));

describe('CopyExportRecords', () => {
  it('ends records with CRLF, writes the timestamps as toISOString does, and keeps quoted line breaks', () => {
    const converter = new CopyExportRecords();
    const a = '00000000-0000-7000-8000-000000000001';
    const b = '00000000-0000-7000-8000-000000000002';
    const output = [
      `${a},2026-12-01 07:00:00+00,2026-12-01 07:00:00.1+00,"two\nlines"\n${b},2026-12-01 07:`,
      '00:00.12+00,2026-12-01 07:00:00.123+00,"a ""quoted"" \r\nbit",x\n',
    ]
      .map((chunk) => converter.convert(Buffer.from(chunk)).toString())
      .join('');
    expect(output).toBe(
      `${a},2026-12-01T07:00:00.000Z,2026-12-01T07:00:00.100Z,"two\nlines"\r\n` +
        `${b},2026-12-01T07:00:00.120Z,2026-12-01T07:00:00.123Z,"a ""quoted"" \r\nbit",x\r\n`,
    );
    expect(converter.records).toBe(2);
    expect(converter.lastRecord).toEqual({
      id: b,
      createdAt: '2026-12-01T07:00:00.120Z',
      updatedAt: '2026-12-01T07:00:00.123Z',
    });
  });

  it('writes what the export writes for any records, wherever the chunks are cut', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (records, cuts) => {
          const input = Buffer.from(
            copyCsv(
              records.map(([key, created, updated, rest]) => [
                key,
                postgresText(created),
                postgresText(updated),
                ...rest,
              ]),
            ),
          );
          const { converter, output } = convertInChunks(input, cuts);
          const expected = csvRecords(
            records.map(([key, created, updated, rest]) => [
              key,
              created.toISOString(),
              updated.toISOString(),
              ...rest,
            ]),
          );
          expect(output.toString('utf8')).toBe(expected);
          expect(converter.records).toBe(records.length);
          const [lastId, lastCreated, lastUpdated] = records[records.length - 1];
          expect(converter.lastRecord).toEqual({
            id: lastId,
            createdAt: lastCreated.toISOString(),
            updatedAt: lastUpdated.toISOString(),
          });
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('says so when the stream ends inside a record, which must not pass for a short last stretch', () => {
    const converter = new CopyExportRecords();
    converter.convert(
      Buffer.from('00000000-0000-7000-8000-000000000001,2026-12-01 07:00:00+00,2026-12-01 07:'),
    );
    expect(() => converter.finish()).toThrow(/ended inside a record, after 0 complete records/);
  });

  it('refuses a timestamp it cannot write as toISOString does, rather than write another one', () => {
    const converter = new CopyExportRecords();
    const record = '00000000-0000-7000-8000-000000000001,10000-01-01 00:00:00+00,2026-12-01 07:00:00+00\n';
    expect(() => converter.convert(Buffer.from(record))).toThrow(/four-digit year/);
  });
});
