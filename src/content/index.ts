/**
 * The content module's public API: content types and their items, CSV export and import as background
 * tasks. `ContentHttpModule` serves `/api/content-types`, left out of a process with APP_ROLE=worker.
 */
export { ContentModule } from './content.module.js';
export { ContentHttpModule } from './content-http.module.js';
export { ContentConfig, ContentEnvironmentVariables } from './content.config.js';
export { ContentFeature } from './content.feature.js';
export { CONTENT_BODY_LIMITS } from './content-body-limits.js';
