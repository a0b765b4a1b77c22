import { InvalidCursorError } from '../../background-task.errors.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface TaskListPosition {
  readonly createdAt: Date;
  readonly id: string;
}

/** An opaque cursor: the (created_at, id) of the last task of a page. */
export function encodeCursor(position: TaskListPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt.toISOString(), position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): TaskListPosition {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) throw new InvalidCursorError();
  const [createdAt, id] = decoded as unknown[];
  const date = typeof createdAt === 'string' ? new Date(createdAt) : undefined;
  if (!date || !Number.isFinite(date.getTime()) || typeof id !== 'string' || !UUID.test(id)) {
    throw new InvalidCursorError();
  }
  return { createdAt: date, id };
}
