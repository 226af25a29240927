import seedrandom from 'seedrandom';

/** A source of uniform random numbers in [0, 1). */
export type RandomSource = () => number;

/**
 * Creates a seeded random number generator (seedrandom 3's default ARC4-based one) that
 * returns uniform numbers in [0, 1). The same seed gives the same sequence, so splits and
 * samples can be repeated. The seed is passed to seedrandom as its decimal string.
 *
 * @throws RangeError when `seed` is not a finite number.
 */
export function createRandom(seed: number): RandomSource {
  if (!Number.isFinite(seed)) {
    throw new RangeError(`Random seed must be a finite number, received ${seed}.`);
  }
  const generator = seedrandom(String(seed));
  return () => generator();
}

/**
 * Shuffles `array` in place with the Fisher-Yates algorithm, drawing from `random`, and
 * returns it. Every permutation is equally likely when `random` is uniform.
 */
export function shuffleInPlace<T extends { length: number; [index: number]: unknown }>(
  array: T,
  random: RandomSource,
): T {
  for (let i = array.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = array[i];
    array[i] = array[j];
    array[j] = swap;
  }
  return array;
}
