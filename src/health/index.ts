/** The health module's public API: `/health/live` and `/health/ready` (database, and the worker's loop). */
export { HealthModule } from './health.module.js';
