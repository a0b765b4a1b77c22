import { ApplicationError } from '../shared/application-error.js';
import type { FieldProblem } from './model/field-values.js';

export class ContentTypeNotFoundError extends ApplicationError {
  readonly code = 'CONTENT_TYPE.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(developerName: string) {
    super(`Content type "${developerName}" was not found`);
  }
}

export class ContentTypeAlreadyExistsError extends ApplicationError {
  readonly code = 'CONTENT_TYPE.ALREADY_EXISTS';
  readonly kind = 'conflict';
  constructor(developerName: string) {
    super(`A content type named "${developerName}" already exists`);
  }
}

export class InvalidContentTypeError extends ApplicationError {
  readonly code = 'CONTENT_TYPE.INVALID';
  readonly kind = 'invalid';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

export class ContentTypesAdminOnlyError extends ApplicationError {
  readonly code = 'CONTENT_TYPE.ADMIN_ONLY';
  readonly kind = 'forbidden';
  constructor() {
    super('Only admins may create content types');
  }
}

export class ContentItemNotFoundError extends ApplicationError {
  readonly code = 'CONTENT_ITEM.NOT_FOUND';
  readonly kind = 'not-found';
  constructor(id: string) {
    super(`Content item ${id} was not found`);
  }
}

export class InvalidContentValuesError extends ApplicationError {
  readonly code = 'CONTENT_ITEM.INVALID_VALUES';
  readonly kind = 'invalid';
  constructor(readonly problems: FieldProblem[]) {
    super(problems.map((problem) => `${problem.field} ${problem.message}`).join('; '));
  }
}

export class InvalidItemQueryError extends ApplicationError {
  readonly code = 'CONTENT_ITEM.INVALID_QUERY';
  readonly kind = 'invalid';
}

/** An import file whose header or first rows are malformed; nothing was enqueued. */
export class InvalidImportFileError extends ApplicationError {
  readonly code = 'CONTENT_IMPORT.INVALID_FILE';
  readonly kind = 'invalid';
}
