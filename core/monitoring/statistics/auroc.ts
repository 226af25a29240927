import { InvalidSampleError } from '../errors.js';

/**
 * Computes the area under the ROC curve of a score that should be higher for `positives` than
 * for `negatives`: the share of (positive, negative) pairs ranked correctly, ties counting one
 * half (the Mann-Whitney U statistic divided by n m). 1 separates perfectly, 0.5 is chance.
 *
 * @throws InvalidSampleError when either list is empty.
 */
export function areaUnderRocCurve(positives: ArrayLike<number>, negatives: ArrayLike<number>): number {
  if (positives.length === 0 || negatives.length === 0) {
    throw new InvalidSampleError(`AUROC needs positive and negative scores, received ${positives.length} and ${negatives.length}.`);
  }
  const scored = [
    ...Array.from(positives, (score) => ({ score, positive: true })),
    ...Array.from(negatives, (score) => ({ score, positive: false })),
  ].sort((a, b) => a.score - b.score);

  // Sum of the positives' ranks, with tied scores sharing their mean rank.
  let rankSum = 0;
  for (let start = 0; start < scored.length; ) {
    let end = start;
    while (end + 1 < scored.length && scored[end + 1]!.score === scored[start]!.score) end++;
    const meanRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) if (scored[i]!.positive) rankSum += meanRank;
    start = end + 1;
  }
  const n = positives.length;
  const m = negatives.length;
  return (rankSum - (n * (n + 1)) / 2) / (n * m);
}
