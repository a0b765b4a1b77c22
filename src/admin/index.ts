/** The admin module's public API: the operator dashboard under `/admin`. */
export { AdminModule } from './admin.module.js';
