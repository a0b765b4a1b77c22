/**
 * Who is calling, and how a route says who may call it: shared by every module. The auth module's global
 * BearerAuthGuard authenticates the caller and reads these markers; a module that only needs the caller
 * (the task module, say) depends on this, not on the auth module.
 */
export { isAdmin, USER_ROLES, type ApiUser, type UserRole } from './api-user.js';
export { CurrentUser, OptionalCurrentUser, type AuthenticatedRequest } from './current-user.decorator.js';
export { Public } from './public.decorator.js';
export { AcceptsStreamToken } from './accepts-stream-token.decorator.js';
