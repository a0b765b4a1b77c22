import fc from 'fast-check';
import { isStorableJsonText, isStorableText, unstorableTextPath } from './storable-text.js';

/** Every string a JSON value holds, keys included: what the database would have to store. */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object')
    return Object.entries(value).flatMap(([key, inner]) => [key, ...stringsOf(inner)]);
  return [];
}

describe('storable text', () => {
  it('refuses lone surrogates and NUL, and accepts everything else', () => {
    expect(isStorableText('plain, é, 😀')).toBe(true);
    expect(isStorableText('a\u0000b')).toBe(false);
    expect(isStorableText('\ud800')).toBe(false);
    expect(isStorableText('\udc00x')).toBe(false);
  });

  it('reads JSON.stringify output exactly as parsing it and checking every string would', () => {
    // Strings from the whole UTF-16 range, lone surrogates, NULs and backslashes included.
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom('\\', '\u0000', '\ud800', '\udfff', 'u', '0'),
        fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
      ),
    });
    const json = fc
      .jsonValue()
      .chain((base) => fc.tuple(fc.constant(base), fc.array(text, { maxLength: 4 }), text));
    fc.assert(
      fc.property(json, ([base, list, key]) => {
        const value = { [key]: list, base };
        const serialized = JSON.stringify(value);
        expect(isStorableJsonText(serialized)).toBe(stringsOf(value).every(isStorableText));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is not fooled by an escaped backslash before the letters u0000', () => {
    expect(isStorableJsonText(JSON.stringify('\\u0000'))).toBe(true);
    expect(isStorableJsonText(JSON.stringify('\\\u0000'))).toBe(false);
    expect(isStorableJsonText(JSON.stringify('\\\\ud800'))).toBe(true);
  });

  it('names where a value holds unstorable text, keys included', () => {
    expect(unstorableTextPath({ cursor: { after: 'x', ids: ['a', 'b\ud800'] } })).toBe('cursor.ids[1]');
    expect(unstorableTextPath({ ['k\u0000']: 1 })).toBe('k\u0000');
    expect(unstorableTextPath('\udc00')).toBe('');
    expect(unstorableTextPath({ fine: ['é', 1, null, { deep: '😀' }] })).toBeUndefined();
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(unstorableTextPath(value) === undefined).toBe(stringsOf(value).every(isStorableText));
      }),
      { numRuns: 500 },
    );
  });
});
