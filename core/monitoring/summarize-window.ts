import type { LoadedModel } from '../registry/model-registry.js';
import type { RandomSource } from '../random.js';
import { wilsonInterval } from '../quality/proportion-statistics.js';
import { feedbackAccuracyTest, runDriftTests, type DriftTestResult } from './drift-tests.js';
import type { DriftThresholds, MinimumSamples } from './drift-thresholds.js';
import { flattenStatistics, imageStatisticsOf, round, type MonitoringBaseline } from './monitoring-baseline.js';
import { probeModel, rowOf } from './model-probe.js';
import { scoreOutOfDistribution } from './out-of-distribution.js';
import { calibratedConfidence } from './temperature.js';

/** Overall verdict of a window: `warning` when tests drifted in this window only, `drift` when in this one and the one before. */
export type MonitoringState = 'ok' | 'warning' | 'drift';

/** One stored prediction of a window. */
export interface WindowPrediction {
  id: string;
  createdAt: string;
  classIndex: number;
  latencyMs: number;
  /** The preprocessed model input. */
  pixels: Uint8Array;
}

/** One feedback verdict received during a window, on a prediction of any window. */
export interface WindowFeedback {
  verdict: 'correct' | 'incorrect';
  /** Class index the user named as right (the predicted one for `correct`); null when only a verdict was given. */
  trueClass: number | null;
}

/** Everything a window summary is computed from. */
export interface WindowInput {
  modelVersion: string;
  startedAt: string;
  endedAt: string;
  closedBy: 'count' | 'time';
  predictions: WindowPrediction[];
  feedback: WindowFeedback[];
  /** Failed prediction requests during the window, by HTTP status. */
  errors: Record<string, number>;
}

/** Summary of one window of traffic, stored as JSON and served by the monitoring API. */
export interface WindowSummary {
  modelVersion: string;
  startedAt: string;
  endedAt: string;
  closedBy: 'count' | 'time';
  traffic: { predictions: number; durationSeconds: number; predictionsPerSecond: number; errors: Record<string, number>; errorRate: number };
  latencyMs: { p50: number; p95: number; p99: number; mean: number };
  classMix: { classNames: string[]; observed: number[]; expected: number[] | null };
  outOfDistribution: { count: number; share: number };
  performance: {
    feedback: { total: number; correct: number; incorrect: number };
    /** Feedback accuracy with its 95% Wilson interval; null without feedback. */
    accuracy: { value: number; lower: number; upper: number } | null;
    /** Feedback accuracy per class that users named as right; classes without feedback are left out. */
    perClass: { label: string; total: number; correct: number; accuracy: number }[];
    /** Mean calibrated confidence: the expected accuracy when no labels arrive. Null without a baseline. */
    estimatedAccuracy: number | null;
    referenceAccuracy: number;
  };
  drift: { detected: boolean; tests: DriftTestResult[] };
  state: MonitoringState;
}

/** Options for {@link summarizeWindow}. */
export interface SummarizeWindowArgs {
  loaded: LoadedModel;
  /** Null while the baseline is not built: only health and feedback accuracy are summarised then. */
  baseline: MonitoringBaseline | null;
  thresholds: DriftThresholds;
  minimumSamples: MinimumSamples;
  random: RandomSource;
  /** Whether the previous window of this model detected drift; decides between `warning` and `drift`. */
  previousDetected: boolean;
  /** Largest number of window embeddings compared by MMD; defaults to 250. */
  mmdSampleSize?: number;
  mmdPermutations?: number;
}

/**
 * Summarises a window: traffic, errors and latency percentiles, the predicted-class mix, the
 * out-of-distribution share, feedback accuracy with its interval, the estimated accuracy, every
 * drift test, and the resulting state. Runs the model once over the window's inputs to read
 * embeddings and full probability rows, which the stored rows do not keep.
 */
export async function summarizeWindow(input: WindowInput, args: SummarizeWindowArgs): Promise<WindowSummary> {
  const { loaded, baseline } = args;
  const { metadata } = loaded;
  const count = input.predictions.length;
  const imageSize = metadata.preprocessing.height * metadata.preprocessing.width * metadata.preprocessing.channels;
  const pixels = new Uint8Array(count * imageSize);
  input.predictions.forEach((prediction, i) => pixels.set(prediction.pixels, i * imageSize));

  const probe = await probeModel(loaded.model, pixels, count, metadata.preprocessing);
  const statistics = imageStatisticsOf(pixels, count, imageSize, metadata.preprocessing.channels);
  const predictedClasses = input.predictions.map((prediction) => prediction.classIndex);
  const feedback = countFeedback(input.feedback);
  const referenceAccuracy = baseline?.accuracy ?? metadata.metrics.validation.accuracy;

  let tests: DriftTestResult[];
  let calibratedConfidences: number[] = [];
  let outOfDistributionCount = 0;
  if (baseline) {
    calibratedConfidences = Array.from({ length: count }, (_, i) => calibratedConfidence(rowOf(probe.probabilities, i, probe.classCount), baseline.temperature));
    const embeddingCount = Math.min(count, args.mmdSampleSize ?? 250);
    const embeddings = Array.from({ length: embeddingCount }, (_, i) => rowOf(probe.embeddings, Math.floor((i * count) / embeddingCount), probe.embeddingSize));
    tests = await runDriftTests({
      baseline,
      observations: {
        imageStatistics: { meanIntensity: round(statistics.meanIntensity), contrast: round(statistics.contrast), inkCoverage: round(statistics.inkCoverage) },
        embeddings,
        predictedClasses,
        calibratedConfidences,
        feedback,
      },
      thresholds: args.thresholds,
      minimumSamples: args.minimumSamples,
      random: args.random,
      mmdPermutations: args.mmdPermutations,
    });
    const scores = scoreOutOfDistribution(baseline.detector, { ...probe, statistics: flattenStatistics(statistics, count) });
    outOfDistributionCount = scores.filter((score) => score > 1).length;
  } else {
    tests = [feedbackAccuracyTest(referenceAccuracy, feedback, args.thresholds, args.minimumSamples)];
  }

  const detected = tests.some((test) => test.drifted);
  return {
    modelVersion: input.modelVersion,
    startedAt: input.startedAt,
    endedAt: input.endedAt,
    closedBy: input.closedBy,
    traffic: trafficOf(input),
    latencyMs: latencyOf(input.predictions.map((prediction) => prediction.latencyMs)),
    classMix: {
      classNames: metadata.classNames,
      observed: metadata.classNames.map((_, c) => (count === 0 ? 0 : predictedClasses.filter((label) => label === c).length / count)),
      expected: baseline?.predictedClassShares ?? null,
    },
    outOfDistribution: { count: outOfDistributionCount, share: count === 0 ? 0 : outOfDistributionCount / count },
    performance: {
      feedback: { total: feedback.total, correct: feedback.correct, incorrect: feedback.total - feedback.correct },
      accuracy: feedback.total === 0 ? null : { value: feedback.correct / feedback.total, ...wilsonInterval(feedback.correct, feedback.total) },
      perClass: perClassAccuracy(input.feedback, metadata.classNames),
      estimatedAccuracy: calibratedConfidences.length === 0 ? null : calibratedConfidences.reduce((sum, value) => sum + value, 0) / calibratedConfidences.length,
      referenceAccuracy,
    },
    drift: { detected, tests },
    state: stateOf(detected, args.previousDetected),
  };
}

/** Returns `ok` without drift, `warning` for drift in this window only, `drift` for drift in this one and the one before. */
function stateOf(detected: boolean, previousDetected: boolean): MonitoringState {
  if (!detected) return 'ok';
  return previousDetected ? 'drift' : 'warning';
}

function countFeedback(feedback: WindowFeedback[]): { correct: number; total: number } {
  return { correct: feedback.filter((entry) => entry.verdict === 'correct').length, total: feedback.length };
}

function trafficOf(input: WindowInput): WindowSummary['traffic'] {
  const durationSeconds = Math.max(0, (Date.parse(input.endedAt) - Date.parse(input.startedAt)) / 1000);
  const failed = Object.values(input.errors).reduce((sum, value) => sum + value, 0);
  const predictions = input.predictions.length;
  return {
    predictions,
    durationSeconds,
    predictionsPerSecond: durationSeconds === 0 ? 0 : predictions / durationSeconds,
    errors: input.errors,
    errorRate: predictions + failed === 0 ? 0 : failed / (predictions + failed),
  };
}

/** Nearest-rank percentiles of the service-side prediction latency. */
function latencyOf(values: number[]): WindowSummary['latencyMs'] {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, mean: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (fraction: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] as number;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), mean: sorted.reduce((sum, value) => sum + value, 0) / sorted.length };
}

function perClassAccuracy(feedback: WindowFeedback[], classNames: string[]): WindowSummary['performance']['perClass'] {
  return classNames.flatMap((label, c) => {
    const entries = feedback.filter((entry) => entry.trueClass === c);
    if (entries.length === 0) return [];
    const correct = entries.filter((entry) => entry.verdict === 'correct').length;
    return [{ label, total: entries.length, correct, accuracy: correct / entries.length }];
  });
}
