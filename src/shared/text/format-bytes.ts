const MB = 1024 * 1024;

/** A byte count the way people read it: `1.4 MB`, `300 kB`, `12 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= MB) return `${Number((bytes / MB).toFixed(1))} MB`;
  if (bytes >= 1024) return `${Number((bytes / 1024).toFixed(1))} kB`;
  return `${bytes} bytes`;
}
