import {
  DEFAULT_CALIBRATION_BINS,
  computeReliability,
  fitTemperature,
  softmaxWithTemperature,
  temperatureNegativeLogLikelihood,
  type Reliability,
} from './calibration.js';

/** Calibration of one split before and after dividing the logits by the temperature. */
export interface SplitCalibration {
  count: number;
  before: Reliability;
  after: Reliability;
  negativeLogLikelihoodBefore: number;
  negativeLogLikelihoodAfter: number;
}

/** Result of {@link evaluateTemperatureScaling}. */
export interface TemperatureScalingResult {
  /** Fitted on the validation split only. */
  temperature: number;
  binCount: number;
  validation: SplitCalibration;
  test: SplitCalibration;
}

/** Logits and labels of one split; `logits` contains `labels.length * classCount` values. */
export interface LabeledLogits {
  logits: Float32Array;
  labels: ArrayLike<number>;
}

/**
 * Fits a temperature on the validation logits, then measures reliability, expected
 * calibration error and negative log-likelihood on both splits with T = 1 and with the fitted
 * T. The test split never influences the temperature, so its "after" numbers are an honest
 * estimate. Dividing logits by a positive T keeps every top-1 class, so accuracy is unchanged.
 */
export function evaluateTemperatureScaling(
  validation: LabeledLogits,
  test: LabeledLogits,
  classCount: number,
  binCount = DEFAULT_CALIBRATION_BINS,
): TemperatureScalingResult {
  const temperature = fitTemperature(validation.logits, validation.labels, classCount);
  const measure = (split: LabeledLogits): SplitCalibration => ({
    count: split.labels.length,
    before: computeReliability(softmaxWithTemperature(split.logits, classCount, 1), split.labels, classCount, binCount),
    after: computeReliability(softmaxWithTemperature(split.logits, classCount, temperature), split.labels, classCount, binCount),
    negativeLogLikelihoodBefore: temperatureNegativeLogLikelihood(split.logits, split.labels, classCount, 1),
    negativeLogLikelihoodAfter: temperatureNegativeLogLikelihood(split.logits, split.labels, classCount, temperature),
  });
  return { temperature, binCount, validation: measure(validation), test: measure(test) };
}
