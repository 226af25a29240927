import * as tf from '@tensorflow/tfjs';
import { createRandom, shuffleInPlace } from '../random.js';
import { computeClassificationMetrics, type ClassificationMetrics } from './metrics.js';

/** Names of the reference classifiers on raw pixels. */
export const BASELINES = ['nearest-centroid', 'logistic-regression'] as const;
export type BaselineName = (typeof BASELINES)[number];

/** Labelled 8-bit images, each `imageSize` bytes. */
export interface BaselineData {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** One baseline's scores on the evaluated split and the time it took to fit. */
export interface BaselineResult {
  name: BaselineName;
  metrics: ClassificationMetrics;
  fitMs: number;
}

/**
 * Fits a nearest-centroid classifier on raw pixels scaled to [0, 1] and returns the class
 * probabilities for `evaluated`. Each class is an isotropic Gaussian with the centroid as its
 * mean. One variance is shared by all classes and pixels: the mean squared distance of a training
 * image to its centroid, per pixel. So the most probable class is the nearest centroid. A class
 * without training images is never predicted.
 */
export function predictNearestCentroid(train: BaselineData, evaluated: BaselineData, imageSize: number, classCount: number): Float32Array {
  const centroids = new Float64Array(classCount * imageSize);
  const classSizes = new Array<number>(classCount).fill(0);
  for (let i = 0; i < train.count; i++) {
    const label = train.labels[i] as number;
    classSizes[label] = (classSizes[label] as number) + 1;
    for (let p = 0; p < imageSize; p++) centroids[label * imageSize + p] = (centroids[label * imageSize + p] as number) + (train.images[i * imageSize + p] as number) / 255;
  }
  for (let c = 0; c < classCount; c++) {
    const size = classSizes[c] as number;
    for (let p = 0; p < imageSize && size > 0; p++) centroids[c * imageSize + p] = (centroids[c * imageSize + p] as number) / size;
  }

  const squaredDistance = (images: Uint8Array, i: number, c: number) => {
    let sum = 0;
    for (let p = 0; p < imageSize; p++) {
      const difference = (images[i * imageSize + p] as number) / 255 - (centroids[c * imageSize + p] as number);
      sum += difference * difference;
    }
    return sum;
  };
  let spread = 0;
  for (let i = 0; i < train.count; i++) spread += squaredDistance(train.images, i, train.labels[i] as number);
  const variance = Math.max(1e-6, spread / Math.max(1, train.count * imageSize));

  const probabilities = new Float32Array(evaluated.count * classCount);
  const logits = new Float64Array(classCount);
  for (let i = 0; i < evaluated.count; i++) {
    for (let c = 0; c < classCount; c++) {
      logits[c] = (classSizes[c] as number) === 0 ? -Infinity : -squaredDistance(evaluated.images, i, c) / (2 * variance);
    }
    writeSoftmax(logits, probabilities, i * classCount);
  }
  return probabilities;
}

/** Options of {@link predictLogisticRegression}. */
export interface LogisticRegressionArgs {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
}

/**
 * Fits a multinomial logistic regression (one dense softmax layer) on raw pixels scaled to
 * [0, 1] with Adam, by default for 3 epochs in batches of 256 at learning rate 0.003, seeded,
 * and returns the class probabilities for `evaluated`. No tensor outlives the call.
 */
export async function predictLogisticRegression(
  train: BaselineData,
  evaluated: BaselineData,
  imageSize: number,
  classCount: number,
  args: LogisticRegressionArgs = {},
): Promise<Float32Array> {
  const epochs = args.epochs ?? 3;
  const batchSize = args.batchSize ?? 256;
  const seed = args.seed ?? 1;
  const model = tf.sequential({
    layers: [tf.layers.dense({ inputShape: [imageSize], units: classCount, activation: 'softmax', kernelInitializer: tf.initializers.zeros() })],
  });
  const optimizer = tf.train.adam(args.learningRate ?? 0.003);
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });

  try {
    const random = createRandom(seed);
    const order = Array.from({ length: train.count }, (_, i) => i);
    for (let epoch = 0; epoch < epochs; epoch++) {
      shuffleInPlace(order, random);
      for (let start = 0; start < train.count; start += batchSize) {
        const indices = order.slice(start, start + batchSize);
        const [inputs, targets] = tf.tidy(() => {
          const pixels = new Float32Array(indices.length * imageSize);
          const labels = new Int32Array(indices.length);
          indices.forEach((source, i) => {
            for (let p = 0; p < imageSize; p++) pixels[i * imageSize + p] = (train.images[source * imageSize + p] as number) / 255;
            labels[i] = train.labels[source] as number;
          });
          return [tf.tensor2d(pixels, [indices.length, imageSize]), tf.oneHot(tf.tensor1d(labels, 'int32'), classCount)];
        });
        await model.trainOnBatch(inputs, targets);
        inputs.dispose();
        targets.dispose();
      }
    }

    const probabilities = new Float32Array(evaluated.count * classCount);
    for (let start = 0; start < evaluated.count; start += 1024) {
      const end = Math.min(evaluated.count, start + 1024);
      const output = tf.tidy(() => {
        const input = tf.tensor2d(evaluated.images.subarray(start * imageSize, end * imageSize), [end - start, imageSize], 'int32').toFloat().div(255);
        return model.predict(input) as tf.Tensor;
      });
      probabilities.set(await output.data(), start * classCount);
      output.dispose();
    }
    return probabilities;
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

/** Fits each named baseline on `train`, scores it on `evaluated`, and returns the results in order. */
export async function runBaselines(
  names: readonly BaselineName[],
  train: BaselineData,
  evaluated: BaselineData,
  imageSize: number,
  classNames: string[],
): Promise<BaselineResult[]> {
  const results: BaselineResult[] = [];
  for (const name of names) {
    const started = performance.now();
    const probabilities =
      name === 'nearest-centroid'
        ? predictNearestCentroid(train, evaluated, imageSize, classNames.length)
        : await predictLogisticRegression(train, evaluated, imageSize, classNames.length);
    results.push({ name, metrics: computeClassificationMetrics(probabilities, evaluated.labels, classNames), fitMs: performance.now() - started });
  }
  return results;
}

function writeSoftmax(logits: Float64Array, target: Float32Array, offset: number): void {
  let max = -Infinity;
  for (const value of logits) max = Math.max(max, value);
  let sum = 0;
  for (let c = 0; c < logits.length; c++) sum += Math.exp((logits[c] as number) - max);
  for (let c = 0; c < logits.length; c++) target[offset + c] = Math.exp((logits[c] as number) - max) / sum;
}
