import { STATUS_CODES } from 'node:http';
import { Catch, HttpStatus, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { ApplicationError, type ApplicationErrorKind } from '../application-error.js';

const STATUS: Record<ApplicationErrorKind, HttpStatus> = {
  invalid: HttpStatus.BAD_REQUEST,
  forbidden: HttpStatus.FORBIDDEN,
  'not-found': HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  'too-large': HttpStatus.PAYLOAD_TOO_LARGE,
  'too-many': HttpStatus.TOO_MANY_REQUESTS,
};

/** Maps use-case failures to HTTP: `{ statusCode, error, code, message }`. */
@Catch(ApplicationError)
export class ApplicationErrorFilter implements ExceptionFilter {
  catch(error: ApplicationError, host: ArgumentsHost): void {
    const status = STATUS[error.kind];
    const response = host.switchToHttp().getResponse<Response>();
    response.status(status).json({
      statusCode: status,
      error: STATUS_CODES[status],
      code: error.code,
      message: error.message,
    });
  }
}
