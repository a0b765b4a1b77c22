import { Injectable, UnauthorizedException, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import type { ApiUser } from './api-user.js';
import { ApiUserDirectory } from './api-user-directory.js';
import { IS_PUBLIC } from './public.decorator.js';

export interface AuthenticatedRequest extends Request {
  user?: ApiUser;
}

/** Global guard: every route needs `Authorization: Bearer <token>` unless marked @Public(). */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: ApiUserDirectory,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic || context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const match = /^Bearer ([^\s]+)$/i.exec(request.headers.authorization ?? '');
    const user = match ? this.users.findByToken(match[1]) : undefined;
    if (!user) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer realm="api"');
      throw new UnauthorizedException(
        match ? 'The bearer token is not valid' : 'Send the header "Authorization: Bearer <token>"',
      );
    }
    request.user = user;
    return true;
  }
}
