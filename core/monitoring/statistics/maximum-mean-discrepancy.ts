import type { RandomSource } from '../../random.js';
import { InvalidSampleError } from '../errors.js';

/** Options for {@link mmdPermutationTest}. */
export interface MmdTestArgs {
  /** Bandwidth σ of the Gaussian kernel exp(-|x - y|² / (2 σ²)), in embedding units. */
  bandwidth: number;
  /** Largest number of label permutations; defaults to 2,000, so the smallest p-value is 1/2,001. */
  permutations?: number;
  /**
   * Stops once this many permutations reach the observed statistic (Besag and Clifford's
   * sequential p-value, 1991), because the p-value is then clearly large. Defaults to 20.
   */
  stopAfterExceedances?: number;
  random: RandomSource;
}

/** Result of {@link mmdPermutationTest}. */
export interface MmdTestResult {
  /** Unbiased estimate of the squared maximum mean discrepancy; may be slightly negative. */
  statistic: number;
  pValue: number;
  /** Permutations drawn before stopping. */
  permutations: number;
}

/**
 * Tests whether two sets of vectors come from one distribution with the maximum mean
 * discrepancy (Gretton et al., 2012) under a Gaussian kernel. The statistic is the unbiased
 * MMD²; the p-value counts random relabellings of the pooled vectors whose statistic reaches
 * the observed one: (1 + reached) / (1 + drawn), or reached / drawn when stopped early.
 * Cost: one kernel matrix of (n + m)² entries, then (n + m)² / 2 additions per permutation; the
 * loop yields to the event loop every 50 permutations, so a service keeps serving requests meanwhile.
 *
 * @throws InvalidSampleError when a set has fewer than 2 vectors, the dimensions differ, or the
 *   bandwidth is not positive.
 */
export async function mmdPermutationTest(x: readonly ArrayLike<number>[], y: readonly ArrayLike<number>[], args: MmdTestArgs): Promise<MmdTestResult> {
  if (x.length < 2 || y.length < 2) throw new InvalidSampleError(`The MMD test needs at least 2 vectors per set, received ${x.length} and ${y.length}.`);
  if (!(args.bandwidth > 0)) throw new InvalidSampleError(`The MMD kernel bandwidth must be positive, received ${args.bandwidth}.`);
  const pooled = [...x, ...y];
  const dimension = pooled[0]!.length;
  const mismatch = pooled.findIndex((vector) => vector.length !== dimension);
  if (mismatch >= 0) throw new InvalidSampleError(`MMD vectors must all have ${dimension} values; vector ${mismatch} has ${pooled[mismatch]!.length}.`);

  const kernel = gaussianKernelMatrix(pooled, args.bandwidth);
  const size = pooled.length;
  const groups = new Uint8Array(size);
  for (let i = x.length; i < size; i++) groups[i] = 1;
  const observed = unbiasedMmd(kernel, size, groups, x.length);

  const maxPermutations = args.permutations ?? 2000;
  const stopAfter = args.stopAfterExceedances ?? 20;
  let reached = 0;
  let drawn = 0;
  while (drawn < maxPermutations) {
    if (drawn % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
    shuffle(groups, args.random);
    drawn++;
    if (unbiasedMmd(kernel, size, groups, x.length) >= observed) reached++;
    if (reached >= stopAfter) return { statistic: observed, pValue: reached / drawn, permutations: drawn };
  }
  return { statistic: observed, pValue: (1 + reached) / (1 + drawn), permutations: drawn };
}

/**
 * Returns the median Euclidean distance between pairs of `points`, the usual bandwidth for a
 * Gaussian kernel. At most `maxPairs` pairs (default 20,000) are drawn with `random`.
 */
export function medianPairwiseDistance(points: readonly ArrayLike<number>[], random: RandomSource, maxPairs = 20_000): number {
  if (points.length < 2) throw new InvalidSampleError(`A median distance needs at least 2 points, received ${points.length}.`);
  const allPairs = (points.length * (points.length - 1)) / 2;
  const distances: number[] = [];
  if (allPairs <= maxPairs) {
    for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) distances.push(Math.sqrt(squaredDistance(points[i]!, points[j]!)));
  } else {
    while (distances.length < maxPairs) {
      const i = Math.floor(random() * points.length);
      const j = Math.floor(random() * points.length);
      if (i !== j) distances.push(Math.sqrt(squaredDistance(points[i]!, points[j]!)));
    }
  }
  distances.sort((a, b) => a - b);
  const middle = distances.length >> 1;
  return distances.length % 2 === 1 ? (distances[middle] as number) : ((distances[middle - 1] as number) + (distances[middle] as number)) / 2;
}

function squaredDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let d = 0; d < a.length; d++) {
    const difference = (a[d] as number) - (b[d] as number);
    sum += difference * difference;
  }
  return sum;
}

/** Symmetric kernel matrix, row-major, with the diagonal left at 0 because the unbiased estimate skips it. */
function gaussianKernelMatrix(points: readonly ArrayLike<number>[], bandwidth: number): Float64Array {
  const size = points.length;
  const matrix = new Float64Array(size * size);
  const scale = -1 / (2 * bandwidth * bandwidth);
  for (let i = 0; i < size; i++) {
    for (let j = i + 1; j < size; j++) {
      const value = Math.exp(scale * squaredDistance(points[i]!, points[j]!));
      matrix[i * size + j] = value;
      matrix[j * size + i] = value;
    }
  }
  return matrix;
}

/** MMD²_u = mean k(x, x') + mean k(y, y') - 2 mean k(x, y), over distinct pairs within each set. */
function unbiasedMmd(kernel: Float64Array, size: number, groups: Uint8Array, xCount: number): number {
  const yCount = size - xCount;
  let withinX = 0;
  let withinY = 0;
  let between = 0;
  for (let i = 0; i < size; i++) {
    const row = i * size;
    const gi = groups[i];
    for (let j = i + 1; j < size; j++) {
      const value = kernel[row + j] as number;
      if (gi !== groups[j]) between += value;
      else if (gi === 0) withinX += value;
      else withinY += value;
    }
  }
  return (2 * withinX) / (xCount * (xCount - 1)) + (2 * withinY) / (yCount * (yCount - 1)) - (2 * between) / (xCount * yCount);
}

function shuffle(values: Uint8Array, random: RandomSource): void {
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const swap = values[i] as number;
    values[i] = values[j] as number;
    values[j] = swap;
  }
}
