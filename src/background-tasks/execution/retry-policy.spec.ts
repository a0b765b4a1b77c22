import { RetryPolicy } from './retry-policy.js';

describe('RetryPolicy', () => {
  it('waits the n-th configured delay before the n-th retry, repeating the last one', () => {
    const policy = new RetryPolicy([1_000, 10_000, 60_000]);
    expect([1, 2, 3, 4, 9].map((attempt) => policy.delayAfter(attempt))).toEqual([
      1_000, 10_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('backs off exponentially with ±20 % jitter when no delays are configured, up to an hour', () => {
    const policy = new RetryPolicy(undefined);
    for (const [attempt, base] of [
      [1, 1_000],
      [2, 2_000],
      [5, 16_000],
      [20, 3_600_000],
    ]) {
      const delays = Array.from({ length: 200 }, () => policy.delayAfter(attempt));
      expect(Math.min(...delays)).toBeGreaterThanOrEqual(base * 0.8);
      expect(Math.max(...delays)).toBeLessThanOrEqual(base * 1.2);
      expect(new Set(delays).size).toBeGreaterThan(1);
    }
  });
});
