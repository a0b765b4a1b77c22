import { STATUS_CODES } from 'node:http';
import type { Response } from 'express';

/**
 * Answers with the API's error body (`{ statusCode, error, message }`, as Nest and ApplicationErrorFilter
 * write it), for middleware that refuses a request before Nest's exception filters could.
 */
export function sendError(response: Response, status: number, message: string): void {
  response.status(status).json({ statusCode: status, error: STATUS_CODES[status], message });
}
