const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)?$/;

/**
 * Parses a duration such as `250ms`, `5s`, `2m`, `1h`, `7d` or a bare number of milliseconds.
 * Returns undefined for anything else, so that the caller can name the offending variable.
 */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (!match) return undefined;
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

export function isDuration(text: unknown): boolean {
  return typeof text === 'string' && parseDuration(text) !== undefined;
}

/** Parses a comma-separated list of durations (`1s,10s,1m`); undefined if any item is not one. */
export function parseDurationList(text: string): number[] | undefined {
  const items = text.split(',').map((item) => parseDuration(item));
  return items.every((item) => item !== undefined) ? items : undefined;
}
