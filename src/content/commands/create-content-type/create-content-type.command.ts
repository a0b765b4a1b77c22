import { Command } from '@nestjs/cqrs';
import type { ApiUser } from '../../../auth/index.js';
import type { ContentTypeView } from '../../content.views.js';
import type { FieldDefinition } from '../../model/content-type.js';

export class CreateContentTypeCommand extends Command<ContentTypeView> {
  constructor(
    readonly developerName: string,
    readonly labelSingular: string,
    readonly labelPlural: string,
    readonly description: string | null,
    readonly fields: readonly FieldDefinition[],
    readonly requestedBy: ApiUser,
  ) {
    super();
  }
}
