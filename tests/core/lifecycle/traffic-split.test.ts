import { describe, expect, it } from 'vitest';
import { BUCKET_COUNT, isInCandidateShare, userBucket } from '../../../core/lifecycle/traffic-split.js';

const USER_COUNT = 20_000;
const users = Array.from({ length: USER_COUNT }, (_, i) => `user-${i}`);

describe('userBucket', () => {
  it('matches SHA-256 of salt, NUL and user id', () => {
    // First 4 bytes from `printf 'rollout-1\0alice' | sha256sum` (2ba90fb3) and (debdea47) for bob.
    expect(userBucket('alice', 'rollout-1')).toBe(Math.floor((0x2ba90fb3 / 2 ** 32) * BUCKET_COUNT));
    expect(userBucket('alice', 'rollout-1')).toBe(1705);
    expect(userBucket('bob', 'rollout-1')).toBe(8700);
  });
});

describe('isInCandidateShare', () => {
  it.each([1, 5, 10, 25, 50, 90])('gives the candidate close to %i percent of users', (percent) => {
    const share = users.filter((user) => isInCandidateShare(user, percent, 'rollout-7')).length / USER_COUNT;
    // Four binomial standard deviations: a correct split falls outside with probability below 1e-4.
    const tolerance = 4 * Math.sqrt(((percent / 100) * (1 - percent / 100)) / USER_COUNT);
    expect(Math.abs(share - percent / 100)).toBeLessThan(tolerance);
  });

  it('keeps each user on the same side', () => {
    const first = users.map((user) => isInCandidateShare(user, 30, 'rollout-3'));
    const reversed = [...users].reverse().map((user) => isInCandidateShare(user, 30, 'rollout-3')).reverse();
    expect(reversed).toEqual(first);
  });

  it('keeps earlier users when the percent rises', () => {
    const atFive = users.filter((user) => isInCandidateShare(user, 5, 'rollout-3'));
    const atTwenty = new Set(users.filter((user) => isInCandidateShare(user, 20, 'rollout-3')));
    expect(atFive.length).toBeGreaterThan(0);
    expect(atFive.every((user) => atTwenty.has(user))).toBe(true);
  });

  it('reshuffles users under another salt', () => {
    const first = new Set(users.filter((user) => isInCandidateShare(user, 50, 'rollout-1')));
    const overlap = users.filter((user) => isInCandidateShare(user, 50, 'rollout-2') && first.has(user)).length / USER_COUNT;
    // Independent halves overlap on about a quarter of the users.
    expect(Math.abs(overlap - 0.25)).toBeLessThan(0.02);
  });

  it('handles 0, 100 and anonymous users', () => {
    expect(users.some((user) => isInCandidateShare(user, 0, 'x'))).toBe(false);
    expect(users.every((user) => isInCandidateShare(user, 100, 'x'))).toBe(true);
    expect(isInCandidateShare(null, 10, 'x', () => 0.099)).toBe(true);
    expect(isInCandidateShare(undefined, 10, 'x', () => 0.1)).toBe(false);
    expect(isInCandidateShare('', 10, 'x', () => 0.05)).toBe(true);
  });
});
