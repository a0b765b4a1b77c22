import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';

/** Opens a route or controller to callers without a token (health, metrics, docs, the dashboard page). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
