import type { INestApplication } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { isStorableText } from '../text/storable-text.js';
import { sendError } from './send-error.js';

/** Whether percent-encoded text decodes (`+` as a space, as in a query) to storable text. */
function decodesToStorableText(encoded: string): boolean {
  try {
    return isStorableText(decodeURIComponent(encoded.replaceAll('+', ' ')));
  } catch {
    return false; // not valid percent-encoding of UTF-8
  }
}

/**
 * Refuses with 400 a request whose path or query string, once decoded, holds a NUL character or a lone
 * surrogate, or is not valid percent-encoding. No route has such a segment, and one reaching a query
 * (`/api/content-types/articles%00`) was a 500 from PostgreSQL. Express's query parser keeps an escape it
 * cannot decode as its literal text (`search=%ED%B0%80` searched for those nine characters), so a client's
 * broken encoding would change its query in silence.
 */
export function refuseUnstorableUrls(app: INestApplication): void {
  app.use((request: Request, response: Response, next: NextFunction) => {
    if (!decodesToStorableText(request.path)) {
      return sendError(
        response,
        400,
        'The path must be well-formed text: no NUL character (%00), no lone surrogate, valid %-escapes',
      );
    }
    const query = request.originalUrl.indexOf('?');
    const parameters = query < 0 ? [] : request.originalUrl.slice(query + 1).split(/[&=]/);
    if (!parameters.every(decodesToStorableText)) {
      return sendError(
        response,
        400,
        'The query string must be well-formed text: no NUL character (%00), no lone surrogate, valid %-escapes',
      );
    }
    next();
  });
}
