import { InvalidSampleError } from '../errors.js';

/** Share that an empty bin is raised to before the logarithm, so PSI stays finite. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

/**
 * Computes the population stability index Σ (actual - expected) ln(actual / expected) over
 * bins of shares. Shares below {@link PSI_EMPTY_BIN_SHARE} are raised to it first. Common
 * reading: under 0.1 stable, 0.1 to 0.25 a moderate shift, above 0.25 a large one.
 *
 * @throws InvalidSampleError when the two lists differ in length or are empty.
 */
export function populationStabilityIndex(expectedShares: readonly number[], actualShares: readonly number[]): number {
  if (expectedShares.length === 0 || expectedShares.length !== actualShares.length) {
    throw new InvalidSampleError(`PSI needs two non-empty lists of bin shares of one length, received ${expectedShares.length} and ${actualShares.length}.`);
  }
  let index = 0;
  for (let bin = 0; bin < expectedShares.length; bin++) {
    const expected = Math.max(expectedShares[bin] as number, PSI_EMPTY_BIN_SHARE);
    const actual = Math.max(actualShares[bin] as number, PSI_EMPTY_BIN_SHARE);
    index += (actual - expected) * Math.log(actual / expected);
  }
  return index;
}

/** Bins over [0, 1] with their reference shares: bin b holds values in [edges[b], edges[b + 1]). */
export interface MergedBins {
  /** Lower edges of the bins, ascending, starting at 0; the last bin runs to 1 inclusive. */
  edges: number[];
  /** Reference share of each bin, summing to 1. */
  shares: number[];
}

/**
 * Merges neighbouring bins of an equal-width histogram over [0, 1] until each holds at least
 * `minShare` of the reference (default 0.05), so that no bin rests on a handful of reference
 * images. A short last group joins the one before it.
 *
 * @throws InvalidSampleError when the histogram is empty or sums to 0.
 */
export function mergeSparseBins(histogram: readonly number[], minShare = 0.05): MergedBins {
  const total = histogram.reduce((sum, share) => sum + share, 0);
  if (histogram.length === 0 || !(total > 0)) throw new InvalidSampleError('Cannot merge the bins of an empty histogram.');

  const width = 1 / histogram.length;
  const edges: number[] = [];
  const shares: number[] = [];
  let groupStart = 0;
  let groupShare = 0;
  histogram.forEach((share, bin) => {
    groupShare += share / total;
    const isLast = bin === histogram.length - 1;
    if (groupShare >= minShare || isLast) {
      edges.push(groupStart * width);
      shares.push(groupShare);
      groupStart = bin + 1;
      groupShare = 0;
    }
  });
  if (shares.length > 1 && (shares[shares.length - 1] as number) < minShare) {
    const last = shares.pop() as number;
    edges.pop();
    shares[shares.length - 1] = (shares[shares.length - 1] as number) + last;
  }
  return { edges, shares };
}

/** Counts `values` (each in [0, 1]; others are clamped) into the bins and returns their shares. */
export function binShares(values: ArrayLike<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length).fill(0);
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    let bin = edges.length - 1;
    while (bin > 0 && value < (edges[bin] as number)) bin--;
    counts[bin] = (counts[bin] as number) + 1;
  }
  return counts.map((count) => (values.length === 0 ? 0 : count / values.length));
}
