import * as tf from '@tensorflow/tfjs';
import type { PixelClassifier } from './pixel-classifier.js';

/**
 * Computes vanilla gradient saliency (Simonyan et al., arXiv:1312.6034): the absolute gradient
 * of each image's true-class logit with respect to its pixels, the largest over channels.
 * Returns `count * height * width` values, image after image; their scale is arbitrary, so
 * compare maps after {@link normalizeMap}.
 */
export async function computeSaliencyMaps(classifier: PixelClassifier, pixels: tf.Tensor4D, labels: ArrayLike<number>): Promise<Float32Array> {
  const maps = tf.tidy(() => {
    const mask = tf.oneHot(tf.tensor1d(Array.from(labels), 'int32'), classifier.classCount);
    const trueLogitSum = (input: tf.Tensor) => classifier.logits(input as tf.Tensor4D).mul(mask).sum();
    const gradient = tf.grad(trueLogitSum)(pixels);
    return gradient.abs().max(-1);
  });
  const values = await maps.data<'float32'>();
  maps.dispose();
  return values;
}

/** Scales a map so that its largest value is 1; an all-zero map stays zero. Returns a new array. */
export function normalizeMap(map: Float32Array): Float32Array {
  let max = 0;
  for (const value of map) max = Math.max(max, value);
  return max === 0 ? map.slice() : map.map((value) => value / max);
}

/**
 * Averages the normalised maps of the images of each class: `maps` contains `labels.length` maps of
 * `mapSize` values. Returns one map per class, all zero for a class without images.
 */
export function meanMapsByClass(maps: Float32Array, labels: ArrayLike<number>, classCount: number, mapSize: number): Float32Array[] {
  const sums = Array.from({ length: classCount }, () => new Float32Array(mapSize));
  const counts = new Array<number>(classCount).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i] as number;
    const normalized = normalizeMap(maps.subarray(i * mapSize, (i + 1) * mapSize));
    const sum = sums[label] as Float32Array;
    for (let p = 0; p < mapSize; p++) sum[p] = (sum[p] as number) + (normalized[p] as number);
    counts[label] = (counts[label] as number) + 1;
  }
  return sums.map((sum, c) => (counts[c] === 0 ? sum : sum.map((value) => value / (counts[c] as number))));
}
