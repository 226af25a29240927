import { IMAGE_STATISTICS, type ImageStatisticName } from '../features/reference-profile.js';
import type { RandomSource } from '../random.js';
import type { DriftThresholds, MinimumSamples } from './drift-thresholds.js';
import type { MonitoringBaseline } from './monitoring-baseline.js';
import { binomialCdf } from './statistics/special-functions.js';
import { chiSquareGoodnessOfFit } from './statistics/chi-square.js';
import { kolmogorovSmirnovTest } from './statistics/kolmogorov-smirnov.js';
import { mmdPermutationTest } from './statistics/maximum-mean-discrepancy.js';
import { binShares, mergeSparseBins, populationStabilityIndex } from './statistics/population-stability-index.js';

/** Smallest reference share of a PSI bin: neighbouring profile bins are merged up to it, leaving at most 10 bins. */
export const PSI_MIN_BIN_SHARE = 0.1;
/**
 * Predictions needed per PSI bin. Without drift, n * PSI is about chi-square with bins - 1
 * degrees of freedom, so PSI's noise is about bins / n and small windows would pass 0.25 by chance.
 */
export const PSI_PREDICTIONS_PER_BIN = 10;

/** The outcome of one drift test on one window. */
export interface DriftTestResult {
  /** Stable name: `ks.meanIntensity`, `psi.contrast`, `mmd.embeddings`, `chiSquare.classMix`, `ks.confidence`, `binomial.accuracy`, `drop.estimatedAccuracy`. */
  name: string;
  /** Part of the system that the test watches: the inputs, the model's outputs, or its performance. */
  kind: 'input' | 'output' | 'performance';
  /** Null when the test was skipped. */
  statistic: number | null;
  /** Null for tests judged on their statistic, and for skipped tests. */
  pValue: number | null;
  threshold: number;
  /** `pValue`: drifted when the p-value is below the threshold; `statistic`: when the statistic is above it. */
  thresholdOn: 'pValue' | 'statistic';
  drifted: boolean;
  /** Observations the test used. */
  sampleSize: number;
  /** Reason the test did not run, such as too few predictions. */
  skipped?: string;
}

/** Observations of one window of traffic, as the drift tests read them. */
export interface WindowObservations {
  /** Image statistics of the window's inputs, rounded like the baseline's. */
  imageStatistics: Record<ImageStatisticName, number[]>;
  /** Penultimate-layer embeddings of the inputs (at most a few hundred are needed). */
  embeddings: Float32Array[];
  /** Served class of each prediction. */
  predictedClasses: number[];
  /** Calibrated top-class probability of each prediction. */
  calibratedConfidences: number[];
  /** Feedback verdicts received during the window. */
  feedback: { correct: number; total: number };
}

/** Options for {@link runDriftTests}. */
export interface RunDriftTestsArgs {
  baseline: MonitoringBaseline;
  observations: WindowObservations;
  thresholds: DriftThresholds;
  minimumSamples: MinimumSamples;
  /** Draws the MMD permutations. */
  random: RandomSource;
  /** Permutations of the MMD test; defaults to 2,000. */
  mmdPermutations?: number;
}

/**
 * Runs every drift test of a window against the baseline. Input drift: KS and PSI on each image
 * statistic, and MMD on embeddings. Output drift: chi-square on the predicted-class mix, and KS
 * on calibrated confidence. Performance: a binomial test on feedback accuracy, and the drop of
 * the estimated accuracy. Tests without enough data are returned as skipped, not drifted.
 */
export async function runDriftTests(args: RunDriftTestsArgs): Promise<DriftTestResult[]> {
  return [...(await inputTests(args)), ...outputTests(args), ...performanceTests(args)];
}

function skipped(name: string, kind: DriftTestResult['kind'], threshold: number, thresholdOn: DriftTestResult['thresholdOn'], sampleSize: number, reason: string): DriftTestResult {
  return { name, kind, statistic: null, pValue: null, threshold, thresholdOn, drifted: false, sampleSize, skipped: reason };
}

async function inputTests({ baseline, observations, thresholds, minimumSamples, random, mmdPermutations }: RunDriftTestsArgs): Promise<DriftTestResult[]> {
  const count = observations.predictedClasses.length;
  const tooFew = count < minimumSamples.predictions ? `${count} predictions, fewer than ${minimumSamples.predictions}` : null;
  const results: DriftTestResult[] = [];

  for (const name of IMAGE_STATISTICS) {
    const values = observations.imageStatistics[name];
    if (tooFew) {
      results.push(skipped(`ks.${name}`, 'input', thresholds.ksPValue, 'pValue', count, tooFew));
      results.push(skipped(`psi.${name}`, 'input', thresholds.populationStabilityIndex, 'statistic', count, tooFew));
      continue;
    }
    const ks = kolmogorovSmirnovTest(values, baseline.imageStatistics[name]);
    results.push({ name: `ks.${name}`, kind: 'input', statistic: ks.statistic, pValue: ks.pValue, threshold: thresholds.ksPValue, thresholdOn: 'pValue', drifted: ks.pValue < thresholds.ksPValue, sampleSize: count });

    const bins = mergeSparseBins(baseline.profile.statistics[name].histogram, PSI_MIN_BIN_SHARE);
    if (count < PSI_PREDICTIONS_PER_BIN * bins.shares.length) {
      const reason = `${count} predictions, fewer than ${PSI_PREDICTIONS_PER_BIN} per bin of ${bins.shares.length} bins`;
      results.push(skipped(`psi.${name}`, 'input', thresholds.populationStabilityIndex, 'statistic', count, reason));
      continue;
    }
    const psi = populationStabilityIndex(bins.shares, binShares(values, bins.edges));
    results.push({ name: `psi.${name}`, kind: 'input', statistic: psi, pValue: null, threshold: thresholds.populationStabilityIndex, thresholdOn: 'statistic', drifted: psi > thresholds.populationStabilityIndex, sampleSize: count });
  }

  const embeddingCount = observations.embeddings.length;
  if (tooFew || embeddingCount < 2) {
    results.push(skipped('mmd.embeddings', 'input', thresholds.mmdPValue, 'pValue', embeddingCount, tooFew ?? 'no embeddings'));
  } else {
    const mmd = await mmdPermutationTest(observations.embeddings, baseline.mmdEmbeddings, { bandwidth: baseline.mmdBandwidth, permutations: mmdPermutations, random });
    results.push({ name: 'mmd.embeddings', kind: 'input', statistic: mmd.statistic, pValue: mmd.pValue, threshold: thresholds.mmdPValue, thresholdOn: 'pValue', drifted: mmd.pValue < thresholds.mmdPValue, sampleSize: embeddingCount });
  }
  return results;
}

function outputTests({ baseline, observations, thresholds, minimumSamples }: RunDriftTestsArgs): DriftTestResult[] {
  const count = observations.predictedClasses.length;
  if (count < minimumSamples.predictions) {
    const reason = `${count} predictions, fewer than ${minimumSamples.predictions}`;
    return [skipped('chiSquare.classMix', 'output', thresholds.classMixPValue, 'pValue', count, reason), skipped('ks.confidence', 'output', thresholds.ksPValue, 'pValue', count, reason)];
  }

  const counts = new Array<number>(baseline.predictedClassShares.length).fill(0);
  for (const label of observations.predictedClasses) counts[label] = (counts[label] ?? 0) + 1;
  const chiSquare = chiSquareGoodnessOfFit(counts, baseline.predictedClassShares);
  const confidence = kolmogorovSmirnovTest(observations.calibratedConfidences, baseline.confidences);
  return [
    { name: 'chiSquare.classMix', kind: 'output', statistic: chiSquare.statistic, pValue: chiSquare.pValue, threshold: thresholds.classMixPValue, thresholdOn: 'pValue', drifted: chiSquare.pValue < thresholds.classMixPValue, sampleSize: count },
    { name: 'ks.confidence', kind: 'output', statistic: confidence.statistic, pValue: confidence.pValue, threshold: thresholds.ksPValue, thresholdOn: 'pValue', drifted: confidence.pValue < thresholds.ksPValue, sampleSize: count },
  ];
}

/**
 * Tests whether feedback accuracy fell below `referenceAccuracy` minus the tolerance: the lower
 * binomial tail of the correct count, so small windows need a larger drop to count.
 */
export function feedbackAccuracyTest(referenceAccuracy: number, feedback: { correct: number; total: number }, thresholds: DriftThresholds, minimumSamples: MinimumSamples): DriftTestResult {
  const { correct, total } = feedback;
  if (total < minimumSamples.feedback) {
    return skipped('binomial.accuracy', 'performance', thresholds.accuracyPValue, 'pValue', total, `${total} feedback verdicts, fewer than ${minimumSamples.feedback}`);
  }
  const floor = Math.max(0, referenceAccuracy - thresholds.accuracyTolerance);
  const pValue = binomialCdf(correct, total, floor);
  return { name: 'binomial.accuracy', kind: 'performance', statistic: correct / total, pValue, threshold: thresholds.accuracyPValue, thresholdOn: 'pValue', drifted: pValue < thresholds.accuracyPValue, sampleSize: total };
}

function performanceTests({ baseline, observations, thresholds, minimumSamples }: RunDriftTestsArgs): DriftTestResult[] {
  const results: DriftTestResult[] = [feedbackAccuracyTest(baseline.accuracy, observations.feedback, thresholds, minimumSamples)];

  const count = observations.calibratedConfidences.length;
  if (count < minimumSamples.predictions) {
    results.push(skipped('drop.estimatedAccuracy', 'performance', thresholds.estimatedAccuracyDrop, 'statistic', count, `${count} predictions, fewer than ${minimumSamples.predictions}`));
  } else {
    const estimated = observations.calibratedConfidences.reduce((sum, value) => sum + value, 0) / count;
    const drop = baseline.meanCalibratedConfidence - estimated;
    results.push({ name: 'drop.estimatedAccuracy', kind: 'performance', statistic: drop, pValue: null, threshold: thresholds.estimatedAccuracyDrop, thresholdOn: 'statistic', drifted: drop > thresholds.estimatedAccuracyDrop, sampleSize: count });
  }
  return results;
}
