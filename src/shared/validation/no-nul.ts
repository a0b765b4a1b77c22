import { Matches, type ValidationOptions } from 'class-validator';

/**
 * Refuses the NUL character (\u0000) in a string. PostgreSQL stores none in text or jsonb, so without this a
 * request carrying one would fail in the database (a 500) instead of here (a 400 that names the field).
 */
export function NoNul(options: ValidationOptions = {}): PropertyDecorator {
  // eslint-disable-next-line no-control-regex -- the control character is what this rule is about
  return Matches(/^[^\u0000]*$/, {
    message: '$property must not contain the NUL character (\\u0000)',
    ...options,
  });
}
