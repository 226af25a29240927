import fs from 'node:fs';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';
import { argmaxRows } from './pixel-classifier.js';

/** Size, speed and accuracy of one registered version on the test images. */
export interface VariantMeasurement {
  version: string;
  /** Storage type of the weights: float32 for a trained model. */
  dtype: 'float32' | 'float16' | 'uint8';
  /** Bytes of the model's files (`model.json` and weights) on disk. */
  sizeBytes: number;
  /** Time to read, check and build the model from the registry, in milliseconds. */
  loadMs: number;
  /** Median time of a one-image prediction over the timed runs, in milliseconds. */
  singleImageMs: number;
  /** Time per image when predicting the whole test sample in batches of 256, in milliseconds. */
  batchMsPerImage: number;
  accuracy: number;
  /** Share of test images whose top-1 class equals the original's; 1 for the original. */
  agreement: number;
  /** Largest absolute difference from the original's probabilities over all images and classes. */
  maxProbabilityDifference: number;
}

/** Result of {@link compareVariants}. */
export interface VariantComparison {
  testCount: number;
  latencyRuns: number;
  original: VariantMeasurement;
  variants: VariantMeasurement[];
}

/** Options of {@link compareVariants}. */
export interface CompareVariantsArgs {
  registry: ModelRegistry;
  /** The original float32 version. */
  version: string;
  test: ImageSet;
  /** Timed one-image predictions per model, after 5 untimed ones; defaults to 50. */
  latencyRuns?: number;
  logger?: Logger;
}

/**
 * Finds the versions registered with `parentVersion` equal to `version` (its quantized
 * variants) and measures each, and the original, on the same test images: file size, load
 * time, one-image and batch prediction latency, accuracy, and agreement with the original.
 */
export async function compareVariants(args: CompareVariantsArgs): Promise<VariantComparison> {
  const logger = (args.logger ?? silentLogger).child({ component: 'variant-comparison' });
  const latencyRuns = args.latencyRuns ?? 50;
  const variantVersions = args.registry
    .list()
    .filter((entry) => entry.metadata?.parentVersion === args.version)
    .map((entry) => entry.version);

  const originalRun = await measureVersion(args.registry, args.version, args.test, latencyRuns, null);
  const variants: VariantMeasurement[] = [];
  for (const version of variantVersions) {
    const run = await measureVersion(args.registry, version, args.test, latencyRuns, originalRun.probabilities);
    variants.push(run.measurement);
    logger.info({ modelVersion: version, ...run.measurement }, 'variant measured');
  }
  return { testCount: args.test.count, latencyRuns, original: originalRun.measurement, variants };
}

async function measureVersion(
  registry: ModelRegistry,
  version: string,
  test: ImageSet,
  latencyRuns: number,
  reference: Float32Array | null,
): Promise<{ measurement: VariantMeasurement; probabilities: Float32Array }> {
  const loadStarted = performance.now();
  const { model, metadata } = await registry.load(version);
  const loadMs = performance.now() - loadStarted;
  try {
    const preprocessing = metadata.preprocessing;
    // One untimed batch first: the first prediction of a freshly loaded model allocates its buffers.
    await predictProbabilities(model, test.images.subarray(0, Math.min(test.count, 256) * test.height * test.width), Math.min(test.count, 256), preprocessing, 256);
    const batchStarted = performance.now();
    const probabilities = await predictProbabilities(model, test.images, test.count, preprocessing, 256);
    const batchMsPerImage = (performance.now() - batchStarted) / Math.max(test.count, 1);
    const classCount = metadata.classNames.length;
    const predicted = argmaxRows(probabilities, classCount);
    const referencePredicted = reference ? argmaxRows(reference, classCount) : predicted;

    let correct = 0;
    let agreeing = 0;
    predicted.forEach((label, i) => {
      if (label === test.labels[i]) correct++;
      if (label === referencePredicted[i]) agreeing++;
    });
    let maxProbabilityDifference = 0;
    if (reference) {
      probabilities.forEach((value, i) => {
        maxProbabilityDifference = Math.max(maxProbabilityDifference, Math.abs(value - (reference[i] as number)));
      });
    }

    const measurement: VariantMeasurement = {
      version: metadata.version,
      dtype: metadata.quantization?.dtype ?? 'float32',
      sizeBytes: metadata.files.reduce((sum, file) => sum + fs.statSync(path.join(registry.root, metadata.version, file.name)).size, 0),
      loadMs,
      singleImageMs: await medianSingleImageMs(model, test, preprocessing, latencyRuns),
      batchMsPerImage,
      accuracy: test.count === 0 ? 0 : correct / test.count,
      agreement: test.count === 0 ? 1 : agreeing / test.count,
      maxProbabilityDifference,
    };
    return { measurement, probabilities };
  } finally {
    model.dispose();
  }
}

async function medianSingleImageMs(
  model: tf.LayersModel,
  test: ImageSet,
  preprocessing: Parameters<typeof predictProbabilities>[3],
  runs: number,
): Promise<number> {
  const imageSize = test.height * test.width;
  const times: number[] = [];
  for (let run = -5; run < runs; run++) {
    const index = ((run + 5) % Math.max(test.count, 1)) * imageSize;
    const started = performance.now();
    await predictProbabilities(model, test.images.subarray(index, index + imageSize), 1, preprocessing);
    if (run >= 0) times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times.length === 0 ? 0 : (times[Math.floor(times.length / 2)] as number);
}
