import { createReadStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { CsvError, parse } from 'csv-parse';

/** A problem with the file itself (not with the values of a row), with the line it was found on. */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`Line ${line}: ${problem}`);
  }
}

export interface CsvRecord {
  /**
   * The row number a spreadsheet shows: 1 for the header, 2 for the first data row. It is also the line
   * number in the file unless an earlier value spans several lines.
   */
  readonly row: number;
  readonly cells: string[];
  /** Bytes of the file read so far, for progress. */
  readonly bytesRead: number;
}

/** A record may not be larger than this, which bounds memory whatever the file holds. */
const MAX_RECORD_BYTES = 4 * 1024 * 1024;

/** Index of the first byte that cannot start or continue a UTF-8 sequence; -1 if there is none. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length;) {
    const byte = bytes[i];
    const length =
      byte < 0x80
        ? 1
        : byte >= 0xc2 && byte <= 0xdf
          ? 2
          : byte >= 0xe0 && byte <= 0xef
            ? 3
            : byte >= 0xf0 && byte <= 0xf4
              ? 4
              : 0;
    if (length === 0) return i;
    for (let k = 1; k < length && i + k < bytes.length; k++) {
      if ((bytes[i + k] & 0xc0) !== 0x80) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * Decodes UTF-8 and refuses anything else. Without it, invalid bytes would become U+FFFD in silence and be
 * imported as such; with it, a file saved as Latin-1 or UTF-16 fails with the line of the first bad byte.
 */
class StrictUtf8Decoder extends Transform {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private lines = 1;

  constructor() {
    super({ decodeStrings: true, readableObjectMode: false });
  }

  private decode(chunk?: Buffer): string {
    try {
      const text = this.decoder.decode(chunk, { stream: chunk !== undefined });
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.lines++;
      return text;
    } catch {
      const before = chunk ? chunk.subarray(0, Math.max(0, firstInvalidUtf8(chunk))) : Buffer.alloc(0);
      const line = this.lines + before.reduce((breaks, byte) => breaks + (byte === 0x0a ? 1 : 0), 0);
      throw new CsvFileError(line, 'the file is not valid UTF-8; save it as CSV UTF-8 and try again');
    }
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      callback(null, this.decode(chunk));
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      callback(null, this.decode());
    } catch (error) {
      callback(error as Error);
    }
  }
}

/** Plain words for csv-parse's error codes (most are CSV_…, one is not). */
function explain(error: CsvError): string {
  const detail = error as CsvError & { record?: unknown[] };
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed (unbalanced quotes)';
    case 'INVALID_OPENING_QUOTE':
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quote in the middle of a field; quotes inside a field must be doubled ("")';
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      return 'characters after the closing quote of a field';
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH':
      return `the row has ${detail.record?.length ?? 'a different number of'} fields, unlike the header`;
    case 'CSV_MAX_RECORD_SIZE':
      return `a row is larger than ${MAX_RECORD_BYTES / 1024 / 1024} MB`;
    default:
      return error.message;
  }
}

/**
 * Reads a CSV file (RFC 4180, UTF-8 with or without BOM) record by record, streaming: one record in memory
 * at a time. Structural problems (encoding, quotes, column counts) throw a CsvFileError naming the line.
 */
export async function* readCsvRecords(path: string): AsyncGenerator<CsvRecord> {
  let bytesRead = 0;
  const file = createReadStream(path);
  file.on('data', (chunk) => (bytesRead += chunk.length));
  // CRLF (RFC 4180, and what the export writes) or LF, even mixed in one file.
  const parser = parse({
    max_record_size: MAX_RECORD_BYTES,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
  });
  const decoder = new StrictUtf8Decoder();
  file.on('error', (error) => parser.destroy(error));
  decoder.on('error', (error) => parser.destroy(error));
  file.pipe(decoder).pipe(parser);
  let row = 0;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      yield { row: ++row, cells, bytesRead };
    }
  } catch (error) {
    if (error instanceof CsvFileError) throw error;
    if (error instanceof CsvError) {
      // The row the broken record starts on, counted like the rows that parsed: for a quote left open that
      // is where it opened, not the end of the file where the parser noticed.
      throw new CsvFileError(row + 1, explain(error));
    }
    throw error;
  } finally {
    file.destroy();
    decoder.destroy();
    parser.destroy();
  }
}
