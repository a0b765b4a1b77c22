import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { ApiUser } from './api-user.js';
import type { AuthenticatedRequest } from './bearer-auth.guard.js';

/** The authenticated caller (set by BearerAuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): ApiUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});
