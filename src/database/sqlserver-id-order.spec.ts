import { uuidv7 } from '../shared/uuid-v7.js';
import { sqlServerIdOrder } from './sqlserver-id-order.js';

/**
 * SQL Server's documented uniqueidentifier order: bytes 10–15 of the text form first, then 8–9, 6–7, 4–5
 * and 0–3. (Babelfish compares a uniqueidentifier from its first byte, as PostgreSQL compares uuid, so the
 * suites on Babelfish cannot show this; this test shows it without a server.)
 */
function sqlServerCompare(a: string, b: string): number {
  const groups = (id: string) => {
    const hex = id.replace(/-/g, '');
    return [hex.slice(20, 32), hex.slice(16, 20), hex.slice(12, 16), hex.slice(8, 12), hex.slice(0, 8)].join(
      '',
    );
  };
  return groups(a) < groups(b) ? -1 : groups(a) > groups(b) ? 1 : 0;
}

describe('id_order on SQL Server', () => {
  const ids = Array.from({ length: 200 }, () => uuidv7()); // made in this order, most within one millisecond

  it('is needed: SQL Server would put the ids of one batch out of the order they were made in', () => {
    expect([...ids].sort(sqlServerCompare)).not.toEqual(ids);
  });

  it('follows the order the ids were made in, as its upper-case text compares in a binary collation', () => {
    const texts = ids.map((id) => sqlServerIdOrder(id).value as string);
    expect(texts.every((text, index) => index === 0 || texts[index - 1] < text)).toBe(true);
    expect(texts[0]).toBe(ids[0].toUpperCase());
  });
});
