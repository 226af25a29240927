import crypto from 'node:crypto';

/** Number of buckets that users are spread over; a percent maps to `percent * 100` of them. */
export const BUCKET_COUNT = 10_000;

/**
 * Maps a user id to a bucket from 0 to {@link BUCKET_COUNT} - 1, from the first 4 bytes of
 * SHA-256(`salt` NUL `userId`). The same user and salt always get the same bucket, and a new
 * salt (such as a new rollout's id) reshuffles users.
 */
export function userBucket(userId: string, salt: string): number {
  const digest = crypto.createHash('sha256').update(salt).update('\0').update(userId).digest();
  return Math.floor((digest.readUInt32BE(0) / 2 ** 32) * BUCKET_COUNT);
}

/**
 * Reports whether a user belongs to the `percent` percent (0 to 100) of users who get the
 * candidate. Raising the percent within one salt keeps every user who was already in, because
 * the test is `bucket < percent * 100`. A request without a user id has no stable identity, so
 * it is assigned by `random()` with the same probability on every call.
 */
export function isInCandidateShare(userId: string | null | undefined, percent: number, salt: string, random: () => number = Math.random): boolean {
  if (percent <= 0) return false;
  if (percent >= 100) return true;
  if (userId === null || userId === undefined || userId === '') return random() * 100 < percent;
  return userBucket(userId, salt) < percent * (BUCKET_COUNT / 100);
}
