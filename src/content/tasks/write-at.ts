import type { FileHandle } from 'node:fs/promises';

/** Writes text (as UTF-8) or bytes at a byte position of a file; returns the number of bytes written. */
export async function writeAt(file: FileHandle, position: number, data: string | Buffer): Promise<number> {
  const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let written = 0;
  while (written < buffer.length) {
    const { bytesWritten } = await file.write(buffer, written, buffer.length - written, position + written);
    written += bytesWritten;
  }
  return buffer.length;
}
