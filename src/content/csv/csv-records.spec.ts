import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CsvFileError, readCsvRecords } from './csv-records.js';

const directory = mkdtempSync(join(tmpdir(), 'csv-records-'));
let files = 0;
function file(content: string | Buffer): string {
  const path = join(directory, `${++files}.csv`);
  writeFileSync(path, content);
  return path;
}

async function read(path: string) {
  const records = [];
  for await (const record of readCsvRecords(path)) records.push({ row: record.row, cells: record.cells });
  return records;
}

describe('readCsvRecords', () => {
  it('reads RFC 4180 records: BOM, CRLF, quotes, embedded line breaks, blank lines', async () => {
    const path = file('\uFEFFid,text\r\n1,"a ""quoted"", comma"\r\n\r\n2,"two\r\nlines"\r\n3,ü😀\n');
    expect(await read(path)).toEqual([
      { row: 1, cells: ['id', 'text'] },
      { row: 2, cells: ['1', 'a "quoted", comma'] },
      { row: 3, cells: ['2', 'two\r\nlines'] },
      { row: 4, cells: ['3', 'ü😀'] },
    ]);
  });

  it.each([
    ['a quote never closed', 'id,text\n1,ok\n2,"never closed\n', /^Line 3: a quoted field is never closed/],
    ['a stray quote', 'id,text\n1,ab"c\n', /^Line 2: a quote in the middle of a field/],
    [
      'a row of another width',
      'id,text\n1,ok\n2,too,many\n',
      /^Line 3: the row has 3 fields, unlike the header/,
    ],
  ])('fails on %s, naming the line', async (_name, content, message) => {
    await expect(read(file(content))).rejects.toThrow(CsvFileError);
    await expect(read(file(content))).rejects.toThrow(message);
  });

  it('refuses bytes that are not UTF-8, naming the line they are on', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('id,text\n1,ok\n2,caf'),
      Buffer.from([0xe9]),
      Buffer.from('\n'),
    ]);
    await expect(read(file(latin1))).rejects.toThrow(/^Line 3: the file is not valid UTF-8/);
  });
});
