import crypto from 'node:crypto';

/**
 * Returns the salted SHA-256 (hex) of a platform or API user id, so stored rows can tell
 * users apart without keeping their ids. Null in, null out.
 */
export function hashUserId(userId: string | null | undefined, salt: string): string | null {
  if (userId === null || userId === undefined || userId === '') return null;
  return crypto.createHash('sha256').update(salt).update('\0').update(userId).digest('hex');
}
