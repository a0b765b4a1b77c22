import type { MigrationInterface, QueryRunner } from 'typeorm';
import { MigrationContext } from './support/migration-context.js';

/**
 * PostgreSQL: a number written as JavaScript's String(number) writes it, so that an export the database
 * formats (COPY, see postgres-item-csv.ts) holds the same bytes as one formatted in JavaScript.
 *
 * A number field's value arrives as JSON that JavaScript wrote, and jsonb keeps its digits exactly, so
 * numeric's text is already JavaScript's for every value from 1e-6 up to 1e21. Outside that range
 * JavaScript switches to exponent notation (1e+21, 1.5e-7) where numeric writes every digit; this function
 * rewrites those. A property test compares it with String() over 20,000 random doubles.
 *
 * One expression without a sub-select, so that PostgreSQL inlines it into the export's query: called as a
 * function for each of a million rows it took two thirds of the export's time.
 */
export function numberFunctionSql(schema: string): string {
  return `
    CREATE FUNCTION "${schema}".number_as_javascript_text(n numeric) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
      SELECT CASE
        WHEN n = 0 OR (abs(n) >= 0.000001 AND abs(n) < 1e21) THEN n::text
        ELSE CASE WHEN n < 0 THEN '-' ELSE '' END
          || left(rtrim(ltrim(replace(abs(n)::text, '.', ''), '0'), '0'), 1)
          || CASE WHEN length(rtrim(ltrim(replace(abs(n)::text, '.', ''), '0'), '0')) > 1
                  THEN '.' || substr(rtrim(ltrim(replace(abs(n)::text, '.', ''), '0'), '0'), 2) ELSE '' END
          || 'e' || CASE WHEN abs(n) >= 1 THEN '+' || (length(trunc(abs(n))::text) - 1)::text
                         ELSE '-' || (length(split_part(abs(n)::text, '.', 2))
                                      - length(ltrim(split_part(abs(n)::text, '.', 2), '0')) + 1)::text END
      END
    $$`;
}

export class CsvNumbersAsJavascript1764850200000 implements MigrationInterface {
  name = 'CsvNumbersAsJavascript1764850200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({ sqlite: [], postgres: [numberFunctionSql(db.schema!)], sqlserver: [] });
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const db = new MigrationContext(queryRunner);
    await db.run({
      sqlite: [],
      postgres: [`DROP FUNCTION "${db.schema}".number_as_javascript_text(numeric)`],
      sqlserver: [],
    });
  }
}
