import type * as tf from '@tensorflow/tfjs';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { silentLogger, type Logger } from '../logger.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';
import { runBaselines, type BaselineData, type BaselineName, type BaselineResult } from './baselines.js';
import { computeCalibration, type CalibrationBin } from './calibration.js';
import { computeClassificationMetrics, type ClassificationMetrics } from './metrics.js';

/** Per-image prediction latency, measured one image per model call. */
export interface LatencySummary {
  /** Images timed. */
  count: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  /** Mean time per image when the whole split is predicted in batches of 256. */
  batchedMeanMs: number;
}

/** Options of {@link evaluateModel}. */
export interface EvaluateModelArgs {
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
  classNames: string[];
  /** The split to score. */
  evaluated: BaselineData;
  /** The training split that the baselines are fitted on; no baselines without it. */
  train?: BaselineData;
  baselines?: readonly BaselineName[];
  /** Images timed one at a time for the latency figures; defaults to 500 (fewer if the split is smaller). */
  latencyImages?: number;
  logger?: Logger;
}

/** Scores, calibration, latency and baselines of one model on one split. */
export interface EvaluationResult {
  metrics: ClassificationMetrics & { expectedCalibrationError: number };
  reliability: CalibrationBin[];
  latency: LatencySummary;
  baselines: BaselineResult[];
}

/**
 * Scores a model on a labelled split: accuracy, macro-F1, per-class precision, recall and F1,
 * the confusion matrix, log loss and expected calibration error (15 bins). Then it times
 * single-image predictions, preprocessing included, for mean and p99 latency. Last it fits the
 * requested baselines on `train` and scores them on the same split, so every figure has a reference.
 */
export async function evaluateModel(args: EvaluateModelArgs): Promise<EvaluationResult> {
  const logger = (args.logger ?? silentLogger).child({ component: 'evaluation' });
  const { preprocessing, classNames, evaluated } = args;
  const imageSize = preprocessing.height * preprocessing.width * preprocessing.channels;

  const batchedStarted = performance.now();
  const probabilities = await predictProbabilities(args.model, evaluated.images, evaluated.count, preprocessing);
  const batchedMeanMs = (performance.now() - batchedStarted) / Math.max(1, evaluated.count);
  const metrics = computeClassificationMetrics(probabilities, evaluated.labels, classNames);
  const calibration = computeCalibration(probabilities, evaluated.labels, classNames.length);
  logger.info({ count: evaluated.count, accuracy: metrics.accuracy }, 'model scored');

  const latency = await measureLatency(args.model, evaluated, preprocessing, imageSize, args.latencyImages ?? 500);
  const baselines = args.train ? await runBaselines(args.baselines ?? ['nearest-centroid', 'logistic-regression'], args.train, evaluated, imageSize, classNames) : [];
  for (const baseline of baselines) logger.info({ baseline: baseline.name, accuracy: baseline.metrics.accuracy, fitMs: baseline.fitMs }, 'baseline scored');

  return {
    metrics: { ...metrics, expectedCalibrationError: calibration.expectedCalibrationError },
    reliability: calibration.bins,
    latency: { ...latency, batchedMeanMs },
    baselines,
  };
}

async function measureLatency(
  model: tf.LayersModel,
  evaluated: BaselineData,
  preprocessing: PreprocessingParams,
  imageSize: number,
  maxImages: number,
): Promise<Omit<LatencySummary, 'batchedMeanMs'>> {
  const count = Math.min(maxImages, evaluated.count);
  if (count === 0) return { count: 0, meanMs: 0, p50Ms: 0, p99Ms: 0 };
  // One untimed call first, so kernel set-up is not counted as the first image's latency.
  await predictProbabilities(model, evaluated.images.subarray(0, imageSize), 1, preprocessing);

  const timings: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await predictProbabilities(model, evaluated.images.subarray(i * imageSize, (i + 1) * imageSize), 1, preprocessing);
    timings.push(performance.now() - started);
  }
  timings.sort((a, b) => a - b);
  const rank = (fraction: number) => timings[Math.min(count - 1, Math.max(0, Math.ceil(fraction * count) - 1))] as number;
  return { count, meanMs: timings.reduce((sum, value) => sum + value, 0) / count, p50Ms: rank(0.5), p99Ms: rank(0.99) };
}
