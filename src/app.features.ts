import { ContentFeature } from './content/index.js';
import { DemoFeature } from './demo/index.js';
import type { AppFeature } from './shared/app-feature.js';

/**
 * The product's features, one line each: the app mounts their modules, reads their environment
 * variables, takes their body limits, and the dashboard shows their forms. Add a line to add a module;
 * delete one (with its folder, README "Remove the demo" / "Remove the CMS") to remove it. The platform
 * under them (the task queue, auth, health, metrics, the dashboard) is mounted whatever this lists.
 */
export const APP_FEATURES: readonly AppFeature[] = [
  ContentFeature, // the CMS: content types, items, CSV export and import
  DemoFeature, // a countdown task to watch (POST /api/demo-tasks)
];
