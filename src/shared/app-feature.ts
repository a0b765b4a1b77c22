import type { Type } from '@nestjs/common';
import type { JsonBodyLimit } from './http/json-bodies.js';

/**
 * A feature module's environment variables and the configuration built from them, which the app reads and
 * validates at boot with every other module's (`loadAppConfig`) and provides by its class.
 */
export interface FeatureConfiguration {
  readonly variables: new () => object;
  readonly provide: abstract new (...args: never[]) => object;
  readonly build: (variables: object) => object;
}

/** A FeatureConfiguration, typed where it is declared: `build` gets the variables' own class. */
export function featureConfiguration<TVariables extends object, TConfig extends object>(configuration: {
  readonly variables: new () => TVariables;
  readonly provide: abstract new (...args: never[]) => TConfig;
  readonly build: (variables: TVariables) => TConfig;
}): FeatureConfiguration {
  return { ...configuration, build: (variables) => configuration.build(variables as TVariables) };
}

/**
 * A feature of the product, as `src/app.features.ts` mounts it: the CMS, the demo, or a module of your own
 * (README: "Add a module"). The platform under them (the task queue, auth, health, the dashboard) is not a
 * feature: it is there whatever features are.
 */
export interface AppFeature {
  /** Its name: `GET /admin/features` lists the features present, and the dashboard shows their forms. */
  readonly name: string;
  /** Its use cases and tasks, in every role. */
  readonly module: Type;
  /** Its controllers, left out of a process with APP_ROLE=worker. */
  readonly httpModule?: Type;
  readonly configuration?: FeatureConfiguration;
  /** Routes that take larger JSON bodies than the default 100 kB. */
  readonly bodyLimits?: readonly JsonBodyLimit[];
}
