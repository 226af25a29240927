import { argmax } from './metrics.js';

/** Default number of equal-width confidence bins for {@link computeCalibration}. */
export const DEFAULT_CALIBRATION_BINS = 15;

/** One confidence bin: how confident the predictions in it were and how often they were right. */
export interface CalibrationBin {
  /** Lower confidence bound; a bin contains confidences in (lower, upper], and the first bin also 0. */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-class probability of the bin's predictions; 0 for an empty bin. */
  meanConfidence: number;
  /** Share of the bin's predictions that were correct; 0 for an empty bin. */
  accuracy: number;
}

/** Expected calibration error and the reliability diagram it was computed from. */
export interface Calibration {
  expectedCalibrationError: number;
  bins: CalibrationBin[];
}

/**
 * Computes the expected calibration error (ECE) of predicted probabilities (`count *
 * classCount`, row-major): predictions are grouped by their top-class probability into `bins`
 * equal-width bins over [0, 1], and ECE = sum over bins of (bin count / total) * |accuracy -
 * mean confidence|. 0 means perfectly calibrated. An empty input gives 0.
 *
 * @throws RangeError when `bins` is not a positive integer.
 */
export function computeCalibration(
  probabilities: ArrayLike<number>,
  trueLabels: ArrayLike<number>,
  classCount: number,
  bins = DEFAULT_CALIBRATION_BINS,
): Calibration {
  if (!Number.isInteger(bins) || bins < 1) throw new RangeError(`Calibration bins must be a positive integer, received ${bins}.`);
  const counts = new Array<number>(bins).fill(0);
  const confidenceSums = new Array<number>(bins).fill(0);
  const correctCounts = new Array<number>(bins).fill(0);
  const count = trueLabels.length;

  for (let i = 0; i < count; i++) {
    const offset = i * classCount;
    const predicted = argmax(probabilities, offset, classCount);
    const confidence = probabilities[offset + predicted] as number;
    const bin = Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
    counts[bin] = (counts[bin] as number) + 1;
    confidenceSums[bin] = (confidenceSums[bin] as number) + confidence;
    if (predicted === trueLabels[i]) correctCounts[bin] = (correctCounts[bin] as number) + 1;
  }

  let expectedCalibrationError = 0;
  const result: CalibrationBin[] = counts.map((binCount, b) => {
    const meanConfidence = binCount === 0 ? 0 : (confidenceSums[b] as number) / binCount;
    const accuracy = binCount === 0 ? 0 : (correctCounts[b] as number) / binCount;
    if (count > 0) expectedCalibrationError += (binCount / count) * Math.abs(accuracy - meanConfidence);
    return { lower: b / bins, upper: (b + 1) / bins, count: binCount, meanConfidence, accuracy };
  });
  return { expectedCalibrationError, bins: result };
}
