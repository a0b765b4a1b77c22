import {
  HttpException,
  HttpStatus,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { ACCEPTS_STREAM_TOKEN } from '../shared/identity/accepts-stream-token.decorator.js';
import type { AuthenticatedRequest } from '../shared/identity/current-user.decorator.js';
import { IS_PUBLIC } from '../shared/identity/public.decorator.js';
import { ApiUserDirectory } from './api-user-directory.js';
import { FailedSignIns } from './failed-sign-ins.js';
import { StreamTokens } from './stream-tokens/stream-tokens.js';

/** The token of an `Authorization: Bearer <token>` header; undefined for any other header or none. */
export function bearerTokenOf(authorization: string | undefined): string | undefined {
  return /^Bearer ([^\s]+)$/i.exec(authorization ?? '')?.[1];
}

/**
 * Global guard: every route needs `Authorization: Bearer <token>` unless marked @Public(). Event streams
 * marked @AcceptsStreamToken() also take `?streamToken=`, for EventSource, which cannot send headers.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly users: ApiUserDirectory,
    private readonly streamTokens: StreamTokens,
    private readonly failedSignIns: FailedSignIns,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (context.getType() !== 'http') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const response = http.getResponse<Response>();
    const bearer = bearerTokenOf(request.headers.authorization);
    const address = request.ip ?? request.socket.remoteAddress ?? 'unknown';
    const waitFor = this.failedSignIns.waitFor(address);
    if (isPublic) {
      // Anybody may call it; a valid token still says who (health shows admins its details). A wrong one
      // counts like anywhere else, so that a public route is no way round the limit.
      request.user = bearer !== undefined && waitFor === 0 ? this.users.findByToken(bearer) : undefined;
      if (bearer !== undefined && waitFor === 0 && !request.user) this.failedSignIns.record(address);
      return true;
    }
    const streamToken = bearer !== undefined ? undefined : this.streamTokenOf(context, request);
    if (waitFor > 0 && (bearer !== undefined || streamToken !== undefined)) this.tooMany(response, waitFor);
    const user =
      bearer !== undefined
        ? this.users.findByToken(bearer)
        : streamToken !== undefined
          ? this.streamTokens.verify(streamToken)
          : undefined;
    if (!user) {
      if (bearer !== undefined || streamToken !== undefined) {
        const wait = this.failedSignIns.record(address);
        if (wait > 0) this.tooMany(response, wait);
      }
      response.setHeader('WWW-Authenticate', 'Bearer realm="api"');
      throw new UnauthorizedException(
        bearer !== undefined
          ? 'The bearer token is not valid'
          : streamToken !== undefined
            ? 'The stream token is not valid or has expired: get a new one from POST /api/stream-tokens'
            : 'Send the header "Authorization: Bearer <token>"',
      );
    }
    request.user = user;
    return true;
  }

  private tooMany(response: Response, seconds: number): never {
    response.setHeader('Retry-After', String(seconds));
    throw new HttpException(
      `Too many wrong tokens from this address: try again in ${seconds} s`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private streamTokenOf(context: ExecutionContext, request: Request): string | undefined {
    const accepts = this.reflector.getAllAndOverride<boolean>(ACCEPTS_STREAM_TOKEN, [
      context.getHandler(),
      context.getClass(),
    ]);
    const value = (request.query as Record<string, unknown>).streamToken;
    return accepts && typeof value === 'string' ? value : undefined;
  }
}
