import type { INestApplication } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { formatBytes } from '../text/format-bytes.js';
import { sendError } from './send-error.js';

/** What a JSON body may weigh on a route that declares nothing larger (body-parser's own default). */
export const DEFAULT_JSON_BODY_LIMIT = 100 * 1024;

/** Routes whose valid bodies can be larger than the default: path prefixes, as `app.use` takes them. */
export interface JsonBodyLimit {
  readonly paths: readonly string[];
  readonly maxBytes: number;
}

/** The media types a request body may have: JSON, and multipart for the uploads (CSV imports). */
const ACCEPTED = ['application/json', 'multipart/form-data'];

/**
 * Refuses a request body of any other type with 415, before any route sees it. Express parses only the
 * types it is told to, so a JSON text sent as `text/plain` (or with no Content-Type) reached its route as
 * an empty body: the command ran with its defaults, and the caller's values were silently dropped. A
 * request without a body (a cancel, a retry) has nothing to check.
 */
export function acceptJsonBodiesOnly(app: INestApplication): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    const hasBody =
      request.headers['transfer-encoding'] !== undefined ||
      Number(request.headers['content-length'] ?? 0) > 0;
    if (!hasBody) return next();
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (ACCEPTED.includes(type)) return next();
    sendError(
      response,
      415,
      type
        ? `A request body of type ${type} is not accepted: send application/json (multipart/form-data for uploads)`
        : 'The request body has no Content-Type: send application/json (multipart/form-data for uploads)',
    );
  });
}

/**
 * Parses JSON bodies within the default limit, or within a larger one on the routes that declare it (a
 * content item's body follows the largest valid item). One parser per request: each sets the body as read,
 * so Nest's own parser, registered later, finds it parsed; Nest also skips its JSON parser once one is
 * installed. A body over its limit gets 413 naming the limit, and a body that is not JSON gets 400.
 */
export function parseJsonBodies(app: INestApplication, larger: readonly JsonBodyLimit[]): void {
  for (const route of larger) app.use([...route.paths], json({ limit: route.maxBytes }));
  app.use(json({ limit: DEFAULT_JSON_BODY_LIMIT }));
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    const failure = error as { type?: string; limit?: number; length?: number };
    if (failure.type === 'entity.too.large') {
      return sendError(
        response,
        413,
        `The request body is ${formatBytes(failure.length ?? 0)}, more than the ${formatBytes(failure.limit ?? 0)} this route accepts`,
      );
    }
    if (failure.type === 'entity.parse.failed') {
      return sendError(response, 400, 'The request body is not valid JSON');
    }
    next(error);
  });
}
