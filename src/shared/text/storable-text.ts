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
