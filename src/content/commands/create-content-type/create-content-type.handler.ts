import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { uuidv7 } from '../../../shared/uuid-v7.js';
import { isAdmin } from '../../../auth/index.js';
import { isUniqueViolation } from '../../../database/database-errors.js';
import { UnitOfWork } from '../../../database/unit-of-work.js';
import {
  ContentTypeAlreadyExistsError,
  ContentTypesAdminOnlyError,
  InvalidContentTypeError,
} from '../../content.errors.js';
import { toContentTypeView, type ContentTypeView } from '../../content.views.js';
import { RESERVED_FIELD_NAMES, SYSTEM_COLUMNS, type FieldDefinition } from '../../model/content-type.js';
import { ContentTypeRepository } from '../../storage/content-type.repository.js';
import { CreateContentTypeCommand } from './create-content-type.command.js';

/** What the DTO's per-field rules cannot see: the fields together, and choices against types. */
function problemsOf(fields: readonly FieldDefinition[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const field of fields) {
    const name = field.developerName;
    if (seen.has(name)) problems.push(`fields: "${name}" is defined twice`);
    seen.add(name);
    if ((SYSTEM_COLUMNS as readonly string[]).includes(name)) {
      problems.push(`fields: "${name}" is reserved for the item's own ${name}`);
    }
    if ((RESERVED_FIELD_NAMES as readonly string[]).includes(name)) {
      problems.push(
        `fields: "${name}" cannot name a field: request bodies never carry that key (it is removed as a guard against prototype pollution)`,
      );
    }
    if (field.type === 'choice') {
      const choices = field.choices ?? [];
      if (choices.length === 0) problems.push(`fields: "${name}" is a choice field and needs choices`);
      if (new Set(choices).size !== choices.length) problems.push(`fields: "${name}" lists a choice twice`);
    } else if (field.choices !== undefined) {
      problems.push(`fields: "${name}" is a ${field.type} field; only choice fields take choices`);
    }
  }
  return problems;
}

@CommandHandler(CreateContentTypeCommand)
export class CreateContentTypeHandler implements ICommandHandler<CreateContentTypeCommand> {
  constructor(
    private readonly types: ContentTypeRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute(command: CreateContentTypeCommand): Promise<ContentTypeView> {
    if (!isAdmin(command.requestedBy)) throw new ContentTypesAdminOnlyError();
    const fields = command.fields.map((field) => ({ ...field, required: field.required ?? false }));
    const problems = problemsOf(fields);
    if (problems.length > 0) throw new InvalidContentTypeError(problems);
    const now = new Date();
    const type = {
      id: uuidv7(),
      developerName: command.developerName,
      labelSingular: command.labelSingular,
      labelPlural: command.labelPlural,
      description: command.description,
      fields,
      createdAt: now,
      updatedAt: now,
    };
    try {
      await this.unitOfWork.run((manager) => this.types.insert(type, manager));
    } catch (error) {
      if (isUniqueViolation(error)) throw new ContentTypeAlreadyExistsError(command.developerName);
      throw error;
    }
    return toContentTypeView(type);
  }
}
