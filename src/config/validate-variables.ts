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
 * from the raw environment, and checks them: the values, and a message for every bad one. Each module
 * declares its variables in a class of its own; `loadAppConfig` reads them all and reports every problem
 * at once, the migration CLI reads the database's alone.
 */
export function readVariables<T extends object>(
  Variables: new () => T,
  env: Record<string, string | undefined>,
): { variables: T; problems: string[] } {
  // Every field has an initializer, so the keys of a fresh instance are exactly the variables we read.
  const known = new Set(Object.keys(new Variables()));
  // Empty strings mean "not set", so that `FOO= npm start` falls back to the default.
  const relevant = Object.fromEntries(
    Object.entries(env).filter(([key, value]) => known.has(key) && value !== ''),
  );
  const variables = plainToInstance(Variables, relevant, { exposeDefaultValues: true });
  const errors = validateSync(variables, { forbidUnknownValues: false });
  return { variables, problems: describe(errors, relevant) };
}

/** Throws a ConfigurationError listing every problem, when there is one. */
export function assertNoProblems(problems: readonly string[]): void {
  if (problems.length > 0) throw new ConfigurationError(`Invalid configuration:\n- ${problems.join('\n- ')}`);
}

/** `readVariables` for a single class, throwing a ConfigurationError naming every bad variable. */
export function validateVariables<T extends object>(
  Variables: new () => T,
  env: Record<string, string | undefined>,
): T {
  const { variables, problems } = readVariables(Variables, env);
  assertNoProblems(problems);
  return variables;
}
