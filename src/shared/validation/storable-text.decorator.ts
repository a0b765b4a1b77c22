import { ValidateBy, type ValidationOptions } from 'class-validator';
import { isStorableText } from '../text/storable-text.js';

/**
 * Refuses a string no engine stores as given: one with a NUL character (\u0000) or a lone surrogate (not
 * well-formed Unicode). PostgreSQL refuses both (a 500 at the database instead of a 400 that names the
 * field); SQLite and SQL Server store something else (U+FFFD), so the value would change silently. The
 * same rule as the task queue's options and JSON (isStorableText). Values that are not strings are left
 * to the other validators.
 */
export function StorableText(options: ValidationOptions = {}): PropertyDecorator {
  return ValidateBy(
    {
      name: 'storableText',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || isStorableText(value),
        defaultMessage: () =>
          '$property must be well-formed text: no NUL character (\\u0000) and no lone surrogate',
      },
    },
    options,
  );
}
