/**
 * Delay before the next try after `failures` consecutive database errors: 100 ms doubling up to 5 s, with
 * ±50 % jitter so that workers that lost the database together do not come back in lockstep.
 */
export function retryBackoffMs(failures: number, capMs = 5_000): number {
  const base = Math.min(capMs, 100 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.5 + Math.random()));
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
