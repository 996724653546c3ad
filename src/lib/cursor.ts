// Opaque pagination cursors: a (created_at, id) position, base64url-encoded.
import { Buffer } from 'node:buffer';
import { invalidCursor } from '../errors';

export interface Position {
  createdAt: number;
  id: string;
}

export function encodeCursor(position: Position): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

/** The position, or null for anything that is not a cursor this API made. */
export function decodeCursor(cursor: string): Position | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  return null;
}

/** The position of a `cursor` query parameter (null when none was sent); one not from this API is 400. */
export function positionFrom(cursor: string | undefined): Position | null {
  if (cursor === undefined) return null;
  const position = decodeCursor(cursor);
  if (!position) throw invalidCursor();
  return position;
}
