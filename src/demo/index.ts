/** The demo module's public API: a countdown task to watch, started over HTTP (`POST /api/demo-tasks`). */
export { DemoFeature } from './demo.feature.js';
export { DemoModule } from './demo.module.js';
export { DemoHttpModule } from './demo-http.module.js';
export { CountdownTask, type CountdownMetadata, type CountdownResult } from './countdown.task.js';
