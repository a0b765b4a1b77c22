const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
const COMMA = 0x2c;
const SPACE = 0x20;
const ZERO = 0x30;
const T = 0x54;
const Z = 0x5a;
const DOT = 0x2e;

/** `<uuid>,`: the id column and its delimiter, at the start of every record. */
const ID_LENGTH = 36;
/** `YYYY-MM-DD HH:MM:SS`, then `.f`, `.ff` or `.fff` when there are milliseconds, then `+00`. */
const SECONDS_LENGTH = 19;
const ISO_LENGTH = 24;
/** How much longer a record can get: two timestamps without milliseconds (22 → 24 bytes), and CR. */
const MAX_GROWTH = 2 * (ISO_LENGTH - (SECONDS_LENGTH + 3)) + 1;

/** Where an export stands after a record: its id and timestamps, in the export's ISO 8601 form. */
export interface RecordHead {
  readonly id: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/**
 * Turns the records PostgreSQL's COPY … (FORMAT csv) writes for an export into the export's bytes, chunk
 * by chunk:
 * - records end with CRLF (RFC 4180), where COPY ends them with LF. An LF inside a quoted field is data:
 *   quotes inside a quoted field are doubled, so the parity of the quotes in a record tells;
 * - the second and third columns are the timestamps as PostgreSQL writes them with TimeZone UTC and
 *   DateStyle ISO (`2026-12-01 07:00:00.12+00`), rewritten as JavaScript's toISOString() writes them
 *   (`2026-12-01T07:00:00.120Z`). to_char in the query did the same at two thirds of COPY's speed;
 *   here it costs a few bytes copied per record, on the other core.
 * It converts complete records only and keeps the rest of a chunk for the next one, so a record is always
 * converted whole, and counts them and remembers the head of the last one (the export's cursor).
 */
export class CopyExportRecords {
  private rest: Buffer | undefined;
  private count = 0;
  private last: RecordHead | undefined;

  /** Complete records converted so far. */
  get records(): number {
    return this.count;
  }

  /** The id and timestamps of the last complete record. */
  get lastRecord(): RecordHead | undefined {
    return this.last;
  }

  /** At the end of the stream: every record arrived whole (a cut-off stream must not pass for a short one). */
  finish(): void {
    if (this.rest) {
      throw new Error(`The CSV stream ended inside a record, after ${this.count} complete records`);
    }
  }

  /** The complete records of what arrived so far, converted; an incomplete last record waits for its end. */
  convert(chunk: Buffer): Buffer {
    const input = this.rest ? Buffer.concat([this.rest, chunk]) : chunk;
    const ends = recordEnds(input);
    const consumed = ends.length === 0 ? 0 : ends[ends.length - 1] + 1;
    this.rest = consumed < input.length ? input.subarray(consumed) : undefined;
    if (ends.length === 0) return Buffer.alloc(0);

    const output = Buffer.allocUnsafe(consumed + ends.length * MAX_GROWTH);
    let length = 0;
    let start = 0;
    for (const end of ends) {
      const createdEnd = input.indexOf(COMMA, start + ID_LENGTH + 1);
      let updatedEnd = input.indexOf(COMMA, createdEnd + 1);
      if (updatedEnd === -1 || updatedEnd > end) updatedEnd = end; // a type without fields
      if (input[start + ID_LENGTH] !== COMMA || createdEnd === -1 || createdEnd > end) {
        throw new Error(`Not an export record: ${input.toString('utf8', start, Math.min(end, start + 100))}`);
      }
      length += input.copy(output, length, start, start + ID_LENGTH + 1);
      const createdAt = length;
      length = writeIsoTime(input, start + ID_LENGTH + 1, createdEnd, output, length);
      output[length++] = COMMA;
      const updatedAt = length;
      length = writeIsoTime(input, createdEnd + 1, updatedEnd, output, length);
      length += input.copy(output, length, updatedEnd, end);
      output[length++] = CR;
      output[length++] = LF;
      if (end === ends[ends.length - 1]) {
        this.last = {
          id: output.toString('latin1', createdAt - ID_LENGTH - 1, createdAt - 1),
          createdAt: output.toString('latin1', createdAt, createdAt + ISO_LENGTH),
          updatedAt: output.toString('latin1', updatedAt, updatedAt + ISO_LENGTH),
        };
      }
      start = end + 1;
    }
    this.count += ends.length;
    return output.subarray(0, length);
  }
}

/** The positions of the LFs that end records: those outside quotes. */
function recordEnds(input: Buffer): number[] {
  const ends: number[] = [];
  let inQuotes = false;
  let position = 0;
  while (position < input.length) {
    if (inQuotes) {
      const close = input.indexOf(QUOTE, position);
      if (close === -1) break;
      inQuotes = false;
      position = close + 1;
      continue;
    }
    const quote = input.indexOf(QUOTE, position);
    const end = input.indexOf(LF, position);
    if (end !== -1 && (quote === -1 || end < quote)) {
      ends.push(end);
      position = end + 1;
    } else if (quote !== -1) {
      inQuotes = true;
      position = quote + 1;
    } else {
      break;
    }
  }
  return ends;
}

/** Writes `YYYY-MM-DD HH:MM:SS[.f{1,3}]+00` (input[from, to)) as `YYYY-MM-DDTHH:MM:SS.fffZ`. */
function writeIsoTime(input: Buffer, from: number, to: number, output: Buffer, at: number): number {
  const fraction = to - from - SECONDS_LENGTH - 3; // digits and their dot
  if (
    input[from + 10] !== SPACE ||
    input[to - 3] !== 0x2b ||
    input[to - 2] !== ZERO ||
    input[to - 1] !== ZERO ||
    (fraction !== 0 && (fraction < 2 || fraction > 4 || input[from + SECONDS_LENGTH] !== DOT))
  ) {
    throw new Error(`Not a UTC timestamp with a four-digit year: ${input.toString('utf8', from, to)}`);
  }
  input.copy(output, at, from, from + 10);
  output[at + 10] = T;
  input.copy(output, at + 11, from + 11, from + SECONDS_LENGTH);
  output[at + SECONDS_LENGTH] = DOT;
  const digits = Math.max(0, fraction - 1);
  input.copy(output, at + SECONDS_LENGTH + 1, from + SECONDS_LENGTH + 1, from + SECONDS_LENGTH + 1 + digits);
  for (let i = digits; i < 3; i++) output[at + SECONDS_LENGTH + 1 + i] = ZERO;
  output[at + ISO_LENGTH - 1] = Z;
  return at + ISO_LENGTH;
}
