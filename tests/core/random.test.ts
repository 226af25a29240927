import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';

import { createRandom, shuffleInPlace } from '../../core/random.js';

function draw(random: () => number, count: number): number[] {
  return Array.from({ length: count }, () => random());
}

describe('createRandom', () => {
  it('repeats sequence for same seed', () => {
    expect(draw(createRandom(42), 20)).toEqual(draw(createRandom(42), 20));
  });

  it('matches seedrandom with string seed', () => {
    const reference = seedrandom('42');

    expect(draw(createRandom(42), 5)).toEqual(draw(reference, 5));
  });

  it('differs between seeds', () => {
    expect(draw(createRandom(1), 5)).not.toEqual(draw(createRandom(2), 5));
  });

  it('stays within zero and one', () => {
    const values = draw(createRandom(3), 10_000);

    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
  });

  it('rejects non-finite seed', () => {
    expect(() => createRandom(Number.NaN)).toThrow(RangeError);
    expect(() => createRandom(Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('shuffleInPlace', () => {
  it('permutes typed array in place', () => {
    const values = Uint32Array.from({ length: 100 }, (_, i) => i);
    const result = shuffleInPlace(values, createRandom(5));

    expect(result).toBe(values);
    expect(Array.from(values)).not.toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(Array.from(values).sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('repeats order for same seed', () => {
    const first = shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], createRandom(9));
    const second = shuffleInPlace(['a', 'b', 'c', 'd', 'e', 'f'], createRandom(9));

    expect(first).toEqual(second);
  });

  it('draws permutations about uniformly', () => {
    const random = createRandom(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6_000; i++) {
      const key = shuffleInPlace([0, 1, 2], random).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }

    // Each of the 6 permutations expects 1,000 hits with a standard deviation of about 29.
    expect(counts.size).toBe(6);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(880);
      expect(count).toBeLessThan(1_120);
    }
  });

  it('leaves short arrays unchanged', () => {
    expect(shuffleInPlace([], createRandom(1))).toEqual([]);
    expect(shuffleInPlace([7], createRandom(1))).toEqual([7]);
  });
});
