/**
 * The auth module's public API. Every `/api` route needs a bearer token unless marked `@Public()`
 * (BearerAuthGuard, global); a controller reads the caller with `@CurrentUser()`.
 */
export { AuthModule } from './auth.module.js';
export { CurrentUser } from './current-user.decorator.js';
export { Public } from './public.decorator.js';
export { isAdmin, USER_ROLES, type ApiUser, type UserRole } from './api-user.js';
export { AcceptsStreamToken } from './stream-tokens/accepts-stream-token.decorator.js';
