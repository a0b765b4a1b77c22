import type { FileHandle } from 'node:fs/promises';

/** Writes text as UTF-8 at a byte position of a file; returns the number of bytes written. */
export async function writeAt(file: FileHandle, position: number, text: string): Promise<number> {
  const buffer = Buffer.from(text, 'utf8');
  await file.write(buffer, 0, buffer.length, position);
  return buffer.length;
}
