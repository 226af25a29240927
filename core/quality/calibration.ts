import { DEFAULT_CALIBRATION_BINS, computeCalibration } from '../evaluation/calibration.js';
import { InvalidQualityOptionError } from './errors.js';

export { DEFAULT_CALIBRATION_BINS };

/** One confidence bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Confidence range (lower, upper]; the first bin also contains its lower edge. */
  lower: number;
  upper: number;
  count: number;
  /** Mean top-1 probability of the predictions in the bin, or null when it is empty. */
  meanConfidence: number | null;
  /** Share of correct predictions in the bin, or null when it is empty. */
  accuracy: number | null;
}

/** Reliability diagram data with its summary errors. */
export interface Reliability {
  bins: ReliabilityBin[];
  /** Sum over bins of (bin share of predictions) * |accuracy - mean confidence|. */
  expectedCalibrationError: number;
  /** Largest |accuracy - mean confidence| over non-empty bins. */
  maxCalibrationError: number;
}

/**
 * Bins the top-1 confidence of each prediction into `binCount` equal-width bins over [0, 1]
 * and compares each bin's accuracy with its mean confidence, using the expected calibration
 * error of core/evaluation. `probabilities` contains `labels.length * classCount` values,
 * row-major. Empty bins get null accuracy and confidence, so a diagram can leave them out.
 *
 * @throws InvalidQualityOptionError when the array sizes disagree or `binCount` < 1.
 */
export function computeReliability(
  probabilities: Float32Array,
  labels: ArrayLike<number>,
  classCount: number,
  binCount = DEFAULT_CALIBRATION_BINS,
): Reliability {
  checkShape(probabilities, labels, classCount);
  if (!Number.isInteger(binCount) || binCount < 1) {
    throw new InvalidQualityOptionError(`binCount must be a positive integer, received ${binCount}.`);
  }

  const calibration = computeCalibration(probabilities, labels, classCount, binCount);
  let maxCalibrationError = 0;
  const bins = calibration.bins.map((bin) => {
    if (bin.count === 0) return { ...bin, meanConfidence: null, accuracy: null };
    maxCalibrationError = Math.max(maxCalibrationError, Math.abs(bin.accuracy - bin.meanConfidence));
    return { ...bin };
  });
  return { bins, expectedCalibrationError: calibration.expectedCalibrationError, maxCalibrationError };
}

/** Applies softmax to each row of `logits / temperature`, subtracting the row maximum for stability. */
export function softmaxWithTemperature(logits: Float32Array, classCount: number, temperature = 1): Float32Array {
  const output = new Float32Array(logits.length);
  for (let offset = 0; offset < logits.length; offset += classCount) {
    let max = -Infinity;
    for (let c = 0; c < classCount; c++) max = Math.max(max, (logits[offset + c] as number) / temperature);
    let sum = 0;
    for (let c = 0; c < classCount; c++) {
      const value = Math.exp((logits[offset + c] as number) / temperature - max);
      output[offset + c] = value;
      sum += value;
    }
    for (let c = 0; c < classCount; c++) output[offset + c] = (output[offset + c] as number) / sum;
  }
  return output;
}

/** Returns the mean negative log-likelihood (natural log) of the true classes under `softmax(logits / temperature)`. */
export function temperatureNegativeLogLikelihood(
  logits: Float32Array,
  labels: ArrayLike<number>,
  classCount: number,
  temperature: number,
): number {
  let total = 0;
  for (let i = 0; i < labels.length; i++) {
    const offset = i * classCount;
    let max = -Infinity;
    for (let c = 0; c < classCount; c++) max = Math.max(max, (logits[offset + c] as number) / temperature);
    let sum = 0;
    for (let c = 0; c < classCount; c++) sum += Math.exp((logits[offset + c] as number) / temperature - max);
    total += max + Math.log(sum) - (logits[offset + (labels[i] as number)] as number) / temperature;
  }
  return labels.length === 0 ? 0 : total / labels.length;
}

/** Options of {@link fitTemperature}. */
export interface FitTemperatureArgs {
  /** Search range of the temperature; defaults to [0.05, 20]. */
  minimum?: number;
  maximum?: number;
  /** Stop when the bracket on log(temperature) is narrower than this; defaults to 1e-5. */
  tolerance?: number;
}

/**
 * Fits the temperature T that minimises the negative log-likelihood of `softmax(logits / T)`
 * on held-out data (temperature scaling). Fit it on validation data, never on the test set
 * the result is reported on. The likelihood is convex in 1/T, hence unimodal in log T, so a
 * golden-section search on log T finds the minimum within the range.
 *
 * @throws InvalidQualityOptionError when there are no examples or the range is invalid.
 */
export function fitTemperature(
  logits: Float32Array,
  labels: ArrayLike<number>,
  classCount: number,
  args: FitTemperatureArgs = {},
): number {
  const { minimum = 0.05, maximum = 20, tolerance = 1e-5 } = args;
  checkShape(logits, labels, classCount);
  if (labels.length === 0) {
    throw new InvalidQualityOptionError('Cannot fit a temperature on zero examples: pass the validation logits and labels.');
  }
  if (!(minimum > 0 && maximum > minimum)) {
    throw new InvalidQualityOptionError(`Invalid temperature range [${minimum}, ${maximum}]: it needs 0 < minimum < maximum.`);
  }

  const loss = (logTemperature: number) => temperatureNegativeLogLikelihood(logits, labels, classCount, Math.exp(logTemperature));
  const ratio = (Math.sqrt(5) - 1) / 2;
  let low = Math.log(minimum);
  let high = Math.log(maximum);
  let left = high - ratio * (high - low);
  let right = low + ratio * (high - low);
  let leftLoss = loss(left);
  let rightLoss = loss(right);
  while (high - low > tolerance) {
    if (leftLoss <= rightLoss) {
      high = right;
      right = left;
      rightLoss = leftLoss;
      left = high - ratio * (high - low);
      leftLoss = loss(left);
    } else {
      low = left;
      left = right;
      leftLoss = rightLoss;
      right = low + ratio * (high - low);
      rightLoss = loss(right);
    }
  }
  return Math.exp((low + high) / 2);
}

function checkShape(values: Float32Array, labels: ArrayLike<number>, classCount: number): void {
  if (values.length !== labels.length * classCount) {
    throw new InvalidQualityOptionError(
      `Expected ${labels.length} x ${classCount} = ${labels.length * classCount} values, received ${values.length}.`,
    );
  }
}
