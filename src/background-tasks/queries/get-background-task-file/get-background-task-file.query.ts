import { Query } from '@nestjs/cqrs';
import type { ApiUser } from '../../../shared/identity/index.js';

export interface BackgroundTaskFile {
  readonly path: string;
  readonly fileName: string;
  readonly size: number;
}

/** The file a completed task produced (its result's `fileName`), for its creator or an admin. */
export class GetBackgroundTaskFileQuery extends Query<BackgroundTaskFile> {
  constructor(
    readonly id: string,
    readonly viewer: ApiUser,
  ) {
    super();
  }
}
