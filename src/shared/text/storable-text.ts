/**
 * Text every engine stores as given: well-formed Unicode (no lone surrogate) and no NUL character.
 * PostgreSQL refuses both in text and jsonb (a 500 at the database instead of a clear error here); SQLite
 * and SQL Server accept them but hand back something else (U+FFFD for a lone surrogate in UTF-8), so a
 * value would change silently.
 */
export function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\u0000');
}

/**
 * An escape in JSON text that stands for a character no engine stores: `\u0000`, or a surrogate.
 * JSON.stringify writes a well-formed surrogate pair as the character itself and escapes only lone
 * surrogates, so any surrogate escape in its output is a lone one. The look-behind and the even run of
 * backslashes skip an escaped backslash followed by the letters `u0000` (`"\\u0000"`), which is fine.
 */
const UNSTORABLE_ESCAPE = /(?<!\\)(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/** Whether JSON text written by JSON.stringify holds only storable text (see isStorableText). */
export function isStorableJsonText(json: string): boolean {
  // Nearly all JSON has no \u escape at all: one scan, no regular expression.
  return !json.includes('\\u') || !UNSTORABLE_ESCAPE.test(json);
}

/**
 * Where a JSON value holds a string that is not storable text (see isStorableText), keys included: a path
 * such as `cursor.after` or `ids[2]` ('' for the value itself), or undefined when every string is storable.
 * For error messages that name the place; a check of the serialized text (isStorableJsonText) is cheaper.
 */
export function unstorableTextPath(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = unstorableTextPath(item, `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      const at = path ? `${path}.${key}` : key;
      if (!isStorableText(key)) return at;
      const found = unstorableTextPath(item, at);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
