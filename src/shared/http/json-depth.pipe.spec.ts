import { BadRequestException } from '@nestjs/common';
import fc from 'fast-check';
import { jsonDepth, JsonDepthPipe, MAX_JSON_DEPTH } from './json-depth.pipe.js';

/** The plain recursive definition, for comparison on values shallow enough for recursion. */
function recursiveDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  return 1 + Math.max(0, ...Object.values(value).map(recursiveDepth));
}

const nested = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;

describe('jsonDepth', () => {
  it('agrees with the recursive definition on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 12 }), (value) => jsonDepth(value, 100) === recursiveDepth(value)),
    );
  });

  it('measures 100,000 levels without overflowing the stack, stopping past its limit', () => {
    expect(jsonDepth(nested(100_000))).toBe(MAX_JSON_DEPTH + 1);
  });
});

describe('JsonDepthPipe', () => {
  const pipe = new JsonDepthPipe();

  it('refuses a body deeper than the limit and lets the limit itself through', () => {
    expect(() => pipe.transform(nested(1_500), { type: 'body' })).toThrow(BadRequestException);
    const deepest = nested(MAX_JSON_DEPTH);
    expect(pipe.transform(deepest, { type: 'body' })).toBe(deepest);
    // Query strings are parsed by qs, whose own depth limit applies.
    expect(pipe.transform({ a: 'b' }, { type: 'query' })).toEqual({ a: 'b' });
  });
});
