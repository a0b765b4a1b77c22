const SIZE_UNITS = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 } as const;
const SIZE = /^(\d+)\s*(b|kb|mb|gb)?$/i;

/** Parses a size such as `50mb`, `512kb` or a bare number of bytes; undefined for anything else. */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (!match) return undefined;
  return Number(match[1]) * SIZE_UNITS[(match[2] ?? 'b').toLowerCase() as keyof typeof SIZE_UNITS];
}
