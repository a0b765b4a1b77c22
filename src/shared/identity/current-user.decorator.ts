import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { ApiUser } from './api-user.js';

/** A request the global bearer guard let through, with its caller. */
export interface AuthenticatedRequest extends Request {
  user?: ApiUser;
}

/** On a @Public() route: the caller if a valid bearer token came with the request, else undefined. */
export const OptionalCurrentUser = createParamDecorator(
  (_: unknown, context: ExecutionContext): ApiUser | undefined =>
    context.switchToHttp().getRequest<AuthenticatedRequest>().user,
);

/** The authenticated caller (set by the auth module's global BearerAuthGuard). */
export const CurrentUser = createParamDecorator((_: unknown, context: ExecutionContext): ApiUser => {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});
