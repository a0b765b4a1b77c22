import { BadRequestException, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';

/** Deeper than any body this API describes (a content item is three levels, a task patch a few more). */
export const MAX_JSON_DEPTH = 32;

/** How deep `value` nests (a scalar is 0, `[]` is 1), looked at without recursion and up to `limit` + 1. */
export function jsonDepth(value: unknown, limit = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (current === null || typeof current !== 'object') continue;
    const level = depth + 1;
    deepest = Math.max(deepest, level);
    if (deepest > limit) return deepest;
    for (const child of Object.values(current)) stack.push([child, level]);
  }
  return deepest;
}

/**
 * Refuses a request body nested deeper than MAX_JSON_DEPTH with 400, before the validation pipe: its
 * transformation (class-transformer) recurses once per level, and 1,500 nested arrays (3 kB) overflowed
 * the stack into a 500. Runs first among the global pipes.
 */
export class JsonDepthPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'body' && jsonDepth(value) > MAX_JSON_DEPTH) {
      throw new BadRequestException(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    return value;
  }
}
