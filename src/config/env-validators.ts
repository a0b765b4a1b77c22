import { Matches, registerDecorator } from 'class-validator';
import { isDuration, parseDuration, parseDurationList } from './duration.js';

/**
 * Validators of environment variables that more than one module's configuration uses. Each module declares
 * its variables in a class of its own (`…EnvironmentVariables`) beside its configuration, and
 * `validate-variables.ts` reads and checks them.
 */

export function IsDurationList(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDurationList',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) => typeof value === 'string' && parseDurationList(value) !== undefined,
        defaultMessage: (args) =>
          `${args?.property} must be a comma-separated list of durations, e.g. 1s,10s,1m`,
      },
    });
}

/** A duration (see duration.ts), at least `floor` when given: `floor.why` says what a shorter one breaks. */
export function IsDuration(floor?: {
  readonly ms: number;
  readonly text: string;
  readonly why: string;
}): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isDuration',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) =>
          isDuration(value) && (!floor || (parseDuration(value as string) as number) >= floor.ms),
        defaultMessage: (args) =>
          isDuration(args?.value) && floor
            ? `${args?.property} must be at least ${floor.text}: ${floor.why}`
            : `${args?.property} must be a duration such as 250ms, 5s, 2m or 1h`,
      },
    });
}

/** WORKER_PREFETCH: `auto`, or a number of tasks from 0 to 1000. */
export function IsPrefetch(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isPrefetch',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (value) =>
          value === 'auto' || (typeof value === 'string' && /^\d+$/.test(value) && Number(value) <= 1000),
        defaultMessage: (args) => `${args?.property} must be auto or an integer from 0 to 1000`,
      },
    });
}

/** A size: `50mb`, `512kb`, or a number of bytes (see size.ts). */
export function IsSize(example: string): PropertyDecorator {
  return (target, propertyName) =>
    Matches(/^\d+\s*(b|kb|mb|gb)?$/i, {
      message: `${String(propertyName)} must be a size such as ${example} or a number of bytes`,
    })(target, propertyName);
}
