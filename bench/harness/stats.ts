/** The value at quantile q (0–1) of already sorted numbers, by the nearest-rank method. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

export interface LatencySummary {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
}

export function summarizeLatencies(samples: readonly number[]): LatencySummary {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), max: sorted[sorted.length - 1] };
}

/** 12345.6 → "12.3k", 812.4 → "812". */
export function formatRate(perSecond: number): string {
  return perSecond >= 10_000
    ? `${(perSecond / 1000).toFixed(1)}k`
    : Math.round(perSecond).toLocaleString('en');
}

export function formatMs(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : Math.round(ms).toLocaleString('en');
}
