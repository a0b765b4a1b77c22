import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';

/** A configuration that cannot run: the message names every bad variable. */
export class ConfigurationError extends Error {
  override readonly name = 'ConfigurationError';
}

function describe(errors: ValidationError[], source: Record<string, unknown>): string[] {
  return errors.flatMap((error) => {
    const got = source[error.property];
    const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)})`;
    return Object.values(error.constraints ?? {}).map((message) => `${message}${shown}`);
  });
}

/**
 * Reads the variables a class of decorated fields declares (every field has an initializer, its default)
 * from the raw environment, and validates them; throws a ConfigurationError naming every bad one. A part of
 * the application that needs only some variables (the migration CLI: the database's) validates only those.
 */
export function validateVariables<T extends object>(
  Variables: new () => T,
  env: Record<string, string | undefined>,
): T {
  // Every field has an initializer, so the keys of a fresh instance are exactly the variables we read.
  const known = new Set(Object.keys(new Variables()));
  // Empty strings mean "not set", so that `FOO= npm start` falls back to the default.
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.has(key) && value !== ''),
  );
  const variables = plainToInstance(Variables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(variables, { forbidUnknownValues: false });
  if (errors.length > 0) {
    throw new ConfigurationError(`Invalid configuration:\n- ${describe(errors, relevant).join('\n- ')}`);
  }
  return variables;
}
