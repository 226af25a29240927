import { gatherImages } from '../data/split.js';
import type { ImageSet } from '../data/image-set.js';
import { createRandom, shuffleInPlace } from '../random.js';

/**
 * Draws `size` images without replacement with a source seeded by `seed`, keeping their
 * original order, and returns them with their positions in `set`. Returns the whole set when
 * `size` is at least its count.
 */
export function sampleImages(set: ImageSet, size: number, seed: number): { sample: ImageSet; indices: Uint32Array } {
  if (size >= set.count) {
    return { sample: set, indices: Uint32Array.from({ length: set.count }, (_, i) => i) };
  }
  const all = Uint32Array.from({ length: set.count }, (_, i) => i);
  shuffleInPlace(all, createRandom(seed));
  const indices = all.slice(0, size).sort();
  return { sample: gatherImages(set, indices), indices };
}
