import { SetMetadata } from '@nestjs/common';

export const ACCEPTS_STREAM_TOKEN = 'auth:acceptsStreamToken';

/**
 * Lets an event-stream route be opened with `?streamToken=` (from POST /api/stream-tokens) instead of the
 * Authorization header, which EventSource cannot send. Only for read-only streams.
 */
export const AcceptsStreamToken = () => SetMetadata(ACCEPTS_STREAM_TOKEN, true);
