import { uuidv7 } from '../../shared/uuid-v7.js';
import { ALL_TASKS, decodeTaskChanges, encodeTaskChanges } from './task-change-channel.js';

describe('task change notifications', () => {
  const ids = (n: number) => Array.from({ length: n }, () => uuidv7());

  it('round-trips ids, in payloads under the 8000-byte limit of pg_notify', () => {
    const changed = ids(500);
    const payloads = encodeTaskChanges('a1b2c3d4', changed);
    expect(payloads.length).toBe(3);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    const decoded = payloads.map((payload) => decodeTaskChanges(payload)!);
    expect(decoded.every((d) => d.origin === 'a1b2c3d4')).toBe(true);
    expect(decoded.flatMap((d) => d.ids as string[])).toEqual(changed);
  });

  it('says "everything" instead of flooding the channel', () => {
    expect(encodeTaskChanges('o', ids(5_000))).toEqual([`o ${ALL_TASKS}`]);
    expect(decodeTaskChanges(`o ${ALL_TASKS}`)).toEqual({ origin: 'o', ids: ALL_TASKS });
  });

  it('ignores payloads it did not write', () => {
    expect(decodeTaskChanges('')).toBeUndefined();
    expect(decodeTaskChanges('o drop table')).toBeUndefined();
    expect(decodeTaskChanges('no-space')).toBeUndefined();
  });
});
