/**
 * The auth module's public API. Every `/api` route needs a bearer token unless marked `@Public()`
 * (BearerAuthGuard, global); a controller reads the caller with `@CurrentUser()`.
 */
export { AuthModule } from './auth.module.js';
// The caller and the route markers live in shared/auth, so that any module can use them without
// depending on this one (the task module imports no application module).
export { CurrentUser, OptionalCurrentUser } from '../shared/identity/current-user.decorator.js';
export { Public } from '../shared/identity/public.decorator.js';
export { isAdmin, USER_ROLES, type ApiUser, type UserRole } from '../shared/identity/api-user.js';
export { AcceptsStreamToken } from '../shared/identity/accepts-stream-token.decorator.js';
export { parseAdminTokens, AuthEnvironmentVariables, AuthConfig } from './auth-config.js';
