import { featureConfiguration, type AppFeature } from '../shared/app-feature.js';
import { CONTENT_BODY_LIMITS } from './content-body-limits.js';
import { ContentHttpModule } from './content-http.module.js';
import { ContentConfig, ContentEnvironmentVariables } from './content.config.js';
import { ContentModule } from './content.module.js';

/** The CMS, as src/app.features.ts mounts it (README: "Remove the CMS" says how to take it out). */
export const ContentFeature: AppFeature = {
  name: 'content',
  module: ContentModule,
  httpModule: ContentHttpModule,
  configuration: featureConfiguration({
    variables: ContentEnvironmentVariables,
    provide: ContentConfig,
    build: (variables) => new ContentConfig(variables.SEED_DEMO_ITEMS),
  }),
  bodyLimits: [CONTENT_BODY_LIMITS],
};
