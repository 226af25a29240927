import { SnapclassError } from '../core/errors.js';

/** The database could not be opened, migrated or written. Front ends answer 503. */
export class DatabaseError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('database_unavailable', message, options);
  }
}
