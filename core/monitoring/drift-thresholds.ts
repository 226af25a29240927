/**
 * Thresholds of the drift tests. A test whose p-value is below its threshold, or whose
 * statistic is above it, has drifted. The p-value thresholds are small because each window
 * runs about ten tests and a replay spans a dozen windows: with these values a replay without
 * drift stayed `ok` in the measured runs (see docs/monitoring.md).
 */
export interface DriftThresholds {
  /** Two-sample KS on each image statistic, and on the calibrated confidence. */
  ksPValue: number;
  /** PSI of each image statistic against the training profile. */
  populationStabilityIndex: number;
  /** MMD permutation test on penultimate-layer embeddings. */
  mmdPValue: number;
  /** Chi-square test of the predicted-class mix against the reference images'. */
  classMixPValue: number;
  /** One-sided binomial test that feedback accuracy is below the reference accuracy minus `accuracyTolerance`. */
  accuracyPValue: number;
  /** Drop of accuracy that is tolerated before the accuracy test counts, such as users' own labelling errors. */
  accuracyTolerance: number;
  /** Drop of the estimated accuracy (mean calibrated confidence) below the reference that counts as drift. */
  estimatedAccuracyDrop: number;
}

/** Default thresholds, measured against false alarms and detection delay in docs/monitoring.md. */
export const DEFAULT_DRIFT_THRESHOLDS: DriftThresholds = {
  ksPValue: 1e-4,
  populationStabilityIndex: 0.25,
  mmdPValue: 1e-3,
  classMixPValue: 1e-4,
  accuracyPValue: 1e-3,
  accuracyTolerance: 0.03,
  estimatedAccuracyDrop: 0.1,
};

/** Sample sizes below which a test is skipped instead of run on too little data. */
export interface MinimumSamples {
  /** Predictions in a window for the input and output tests; defaults to 30. */
  predictions: number;
  /** Feedback with a verdict in a window for the accuracy test; defaults to 20. */
  feedback: number;
}

export const DEFAULT_MINIMUM_SAMPLES: MinimumSamples = { predictions: 30, feedback: 20 };
