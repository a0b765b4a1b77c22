import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { sendError } from './send-error.js';

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
