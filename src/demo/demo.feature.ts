import type { AppFeature } from '../shared/app-feature.js';
import { DemoHttpModule } from './demo-http.module.js';
import { DemoModule } from './demo.module.js';

/** The demo, as src/app.features.ts mounts it (README: "Remove the demo" says how to take it out). */
export const DemoFeature: AppFeature = { name: 'demo', module: DemoModule, httpModule: DemoHttpModule };
