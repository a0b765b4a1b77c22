/**
 * CSV injection: a spreadsheet evaluates a cell that starts with `=`, `+`, `-` or `@` as a formula, and a
 * leading tab or carriage return can hide one. OWASP's advice is to make such cells text by prefixing a
 * single quote (https://owasp.org/www-community/attacks/CSV_Injection). The export does that for every
 * text value; the import removes exactly one such quote again, so that a value survives a round trip.
 *
 * To keep the round trip exact, a value that already starts with quotes followed by one of those characters
 * gets one more quote too (`'=x` is exported as `''=x`), so the import can always remove exactly one.
 */
const DANGEROUS = /^'*[=+\-@\t\r]/;

export function neutralizeFormula(value: string): string {
  return DANGEROUS.test(value) ? `'${value}` : value;
}

export function restoreFormula(cell: string): string {
  return cell.startsWith("'") && DANGEROUS.test(cell) ? cell.slice(1) : cell;
}
