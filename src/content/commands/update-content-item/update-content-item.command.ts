import { Command } from '@nestjs/cqrs';
import type { ContentItemView } from '../../content.views.js';

/** Replaces all of an item's values (PUT semantics: a field left out becomes empty). */
export class UpdateContentItemCommand extends Command<ContentItemView> {
  constructor(
    readonly id: string,
    readonly values: Record<string, unknown>,
  ) {
    super();
  }
}
