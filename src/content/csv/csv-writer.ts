/** A field needs quotes when it holds the delimiter, a quote, or a line break of either kind. */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * RFC 4180 records: CRLF after each record, and a field quoted (its quotes doubled) when it holds a comma,
 * a quote, CR or LF. Written by hand because the export spends its time here: a general CSV library's
 * per-field option handling cost several times more than the work itself. The output is byte for byte
 * what csv-stringify writes with `{ record_delimiter: '\r\n', quoted_match: /[\r\n]/ }` (a test checks).
 */
export function csvRecords(records: readonly (readonly (string | number)[])[]): string {
  let csv = '';
  for (const record of records) {
    for (let i = 0; i < record.length; i++) {
      const field = String(record[i]);
      if (i > 0) csv += ',';
      csv += NEEDS_QUOTES.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
    }
    csv += '\r\n';
  }
  return csv;
}
