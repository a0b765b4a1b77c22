import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: a malformed id, or a body or query that fails validation',
  401: 'No valid bearer token',
  403: 'The caller may not do this',
  404: 'Not found, or not visible to the caller',
  409: 'The resource is not in a state that allows this',
  413: 'The upload is larger than UPLOAD_MAX_SIZE',
};

/** Documents the error answers a route gives, all as ErrorResponseDto. 401 is added to every /api route. */
export function ApiErrors(...statuses: (400 | 403 | 404 | 409 | 413)[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto }),
    ),
  );
}
