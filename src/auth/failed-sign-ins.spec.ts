import { AuthConfig } from './auth-config.js';
import { FailedSignIns } from './failed-sign-ins.js';

const limited = (failuresPerMinute: number) =>
  new FailedSignIns(new AuthConfig([], false, failuresPerMinute));

describe('FailedSignIns', () => {
  it('lets the limit through in a minute, then makes the address wait a minute', () => {
    const counts = limited(3);
    for (let i = 0; i < 3; i++) expect(counts.record('a', 1_000 + i)).toBe(0);
    expect(counts.record('a', 2_000)).toBe(60);
    expect(counts.waitFor('a', 31_000)).toBe(31);
    expect(counts.waitFor('b', 31_000)).toBe(0); // another address is not concerned
    expect(counts.waitFor('a', 62_000)).toBe(0);
  });

  it('starts a new count every minute', () => {
    const counts = limited(2);
    counts.record('a', 0);
    counts.record('a', 1);
    expect(counts.record('a', 60_001)).toBe(0);
  });

  it('never blocks failures spread within the limit, and always blocks a burst past it', () => {
    for (const limit of [1, 2, 5, 20]) {
      const spread = limited(limit);
      const gap = Math.ceil(60_000 / limit) + 1;
      for (let i = 0; i < 500; i++) expect(spread.record('a', i * gap)).toBe(0);
      const burst = limited(limit);
      for (let i = 0; i < limit; i++) burst.record('a', 5);
      expect(burst.record('a', 5)).toBe(60);
    }
  });
});
