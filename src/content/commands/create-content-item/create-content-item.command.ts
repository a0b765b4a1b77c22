import { Command } from '@nestjs/cqrs';
import type { ContentItemView } from '../../content.views.js';

export class CreateContentItemCommand extends Command<ContentItemView> {
  constructor(
    readonly contentType: string,
    readonly values: Record<string, unknown>,
  ) {
    super();
  }
}
