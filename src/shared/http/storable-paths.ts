import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isStorableText } from '../text/storable-text.js';
import { sendError } from './send-error.js';

/**
 * Refuses with 400 a request whose path, once decoded, holds a NUL character or a lone surrogate (or is
 * not valid percent-encoding): no route has such a segment, and one reaching a query
 * (`/api/content-types/articles%00`) was a 500 from PostgreSQL.
 */
export function refuseUnstorablePaths(app: INestApplication): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    let decoded: string | undefined;
    try {
      decoded = decodeURIComponent(request.path);
    } catch {
      decoded = undefined;
    }
    if (decoded !== undefined && isStorableText(decoded)) return next();
    sendError(
      response,
      400,
      'The path must be well-formed text: no NUL character (%00), no lone surrogate, valid %-escapes',
    );
  });
}
