import type * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { silentLogger, type Logger } from '../logger.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';
import { CORRUPTIONS, corruptImages, type Corruption, type CorruptionName } from './corruption-suite.js';
import { argmaxRows } from './pixel-classifier.js';

/** Accuracy under one corruption at severities 1 to 5. */
export interface CorruptionCurve {
  name: CorruptionName;
  label: string;
  parameter: string;
  /** The corruption's parameter at each severity. */
  parameters: number[];
  /** Accuracy at severities 1 to 5. */
  accuracy: number[];
}

/** Result of {@link runCorruptionBenchmark}. */
export interface CorruptionBenchmark {
  sampleSize: number;
  cleanAccuracy: number;
  curves: CorruptionCurve[];
  /** Mean accuracy over every corruption and severity. */
  meanCorruptionAccuracy: number;
  /** Seed of the corruptions' random draws; corruption k uses `seed + k`. */
  seed: number;
}

/** Options of {@link runCorruptionBenchmark}. */
export interface RunCorruptionBenchmarkArgs {
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
  images: ImageSet;
  /** Corruptions to run; defaults to all of {@link CORRUPTIONS}. */
  corruptions?: readonly Corruption[];
  /** Defaults to 1. */
  seed?: number;
  logger?: Logger;
}

/**
 * Measures accuracy on `images` under each corruption at each of its five severities. The mean
 * corruption accuracy is the unweighted mean over all corruptions and severities. It follows
 * MNIST-C and ImageNet-C, but with accuracy in place of error and without normalising by a
 * baseline model.
 */
export async function runCorruptionBenchmark(args: RunCorruptionBenchmarkArgs): Promise<CorruptionBenchmark> {
  const logger = (args.logger ?? silentLogger).child({ component: 'corruptions' });
  const { model, preprocessing, images } = args;
  const seed = args.seed ?? 1;
  const corruptions = args.corruptions ?? CORRUPTIONS;
  const shape = { height: images.height, width: images.width };
  const accuracyOf = async (pixels: Uint8Array): Promise<number> => {
    const probabilities = await predictProbabilities(model, pixels, images.count, preprocessing, 500);
    const predicted = argmaxRows(probabilities, probabilities.length / images.count);
    let correct = 0;
    predicted.forEach((label, i) => {
      if (label === images.labels[i]) correct++;
    });
    return images.count === 0 ? 0 : correct / images.count;
  };

  const cleanAccuracy = await accuracyOf(images.images);
  const curves: CorruptionCurve[] = [];
  for (const [k, corruption] of corruptions.entries()) {
    const started = performance.now();
    const accuracy: number[] = [];
    for (let severity = 1; severity <= 5; severity++) {
      accuracy.push(await accuracyOf(corruptImages(images.images, images.count, shape, corruption, severity, seed + k)));
    }
    curves.push({ name: corruption.name, label: corruption.label, parameter: corruption.parameter, parameters: [...corruption.severities], accuracy });
    logger.info({ corruption: corruption.name, accuracy, ms: Math.round(performance.now() - started) }, 'corruption evaluated');
  }

  const all = curves.flatMap((curve) => curve.accuracy);
  return {
    sampleSize: images.count,
    cleanAccuracy,
    curves,
    meanCorruptionAccuracy: all.length === 0 ? cleanAccuracy : all.reduce((sum, value) => sum + value, 0) / all.length,
    seed,
  };
}
