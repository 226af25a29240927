import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import type { PreprocessingParams } from '../../../core/features/preprocessing.js';
import { silentLogger } from '../../../core/logger.js';
import { findConfidentMistakes } from '../../../core/quality/confident-mistakes.js';
import { computeOcclusionSensitivity } from '../../../core/quality/occlusion-sensitivity.js';
import { createPixelClassifier } from '../../../core/quality/pixel-classifier.js';
import { computeRegionPermutationImportance, permuteRegion } from '../../../core/quality/region-permutation-importance.js';
import { computeSaliencyMaps, meanMapsByClass, normalizeMap } from '../../../core/quality/saliency-maps.js';

// The linear softmax classifier of the attack tests: logits z = x K + b on 2 x 2 images.
const KERNEL = [
  [1, -1, 0],
  [0, 2, -1],
  [-1, 0, 1],
  [0.5, 0.5, -0.5],
];
const BIAS = [0, 0.1, -0.1];
const PIXELS = [0.2, 0.5, 0.8, 0.1];
const IDENTITY: PreprocessingParams = { height: 2, width: 2, channels: 1, scale: 1 / 255, mean: [0], std: [1] };

function buildLinearModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, activation: 'softmax' })] });
  model.layers[1]?.setWeights([tf.tensor2d(KERNEL), tf.tensor1d(BIAS)]);
  return model;
}

function probabilityOf(x: number[], label: number): number {
  const logits = BIAS.map((bias, c) => bias + x.reduce((sum, value, i) => sum + value * (KERNEL[i]?.[c] as number), 0));
  const total = logits.reduce((sum, z) => sum + Math.exp(z), 0);
  return Math.exp(logits[label] as number) / total;
}

describe('computeOcclusionSensitivity', () => {
  beforeAll(async () => {
    await selectBackend({ logger: silentLogger });
  });

  it('records the probability drop per pixel', async () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const pixels = tf.tensor4d(PIXELS, [1, 2, 2, 1]);

    const map = await computeOcclusionSensitivity(classifier, pixels, 1, { patchSize: 1, stride: 1 });

    // Each 1 x 1 patch covers one pixel, so its value is p(x) - p(x with that pixel at 0).
    PIXELS.forEach((_, i) => {
      const occluded = PIXELS.map((value, j) => (j === i ? 0 : value));
      expect(map[i]).toBeCloseTo(probabilityOf(PIXELS, 1) - probabilityOf(occluded, 1), 5);
    });
    tf.dispose(pixels);
    model.dispose();
  });

  it('averages overlapping patches', async () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const pixels = tf.tensor4d(PIXELS, [1, 2, 2, 1]);

    const map = await computeOcclusionSensitivity(classifier, pixels, 1, { patchSize: 2, stride: 1 });

    // One position covers the whole image, so every pixel gets p(x) - p(0).
    const drop = probabilityOf(PIXELS, 1) - probabilityOf([0, 0, 0, 0], 1);
    Array.from(map).forEach((value) => expect(value).toBeCloseTo(drop, 5));
    tf.dispose(pixels);
    model.dispose();
  });

  it('rejects a patch larger than the image', async () => {
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const pixels = tf.tensor4d(PIXELS, [1, 2, 2, 1]);
    await expect(computeOcclusionSensitivity(classifier, pixels, 1, { patchSize: 3 })).rejects.toThrow(/patch 3 with stride 2 does not fit a 2 x 2 image/);
    tf.dispose(pixels);
    model.dispose();
  });
});

describe('computeSaliencyMaps', () => {
  it('equals the kernel column of the class', async () => {
    await selectBackend({ logger: silentLogger });
    const model = buildLinearModel();
    const classifier = createPixelClassifier(model, IDENTITY);
    const pixels = tf.tensor4d([...PIXELS, ...PIXELS], [2, 2, 2, 1]);

    const maps = await computeSaliencyMaps(classifier, pixels, [1, 2]);

    // d z_y / d x_i = K[i][y]: column 1 is (-1, 2, 0, 0.5), column 2 is (0, -1, 1, -0.5).
    [1, 2, 0, 0.5, 0, 1, 1, 0.5].forEach((value, i) => expect(maps[i]).toBeCloseTo(value, 5));
    expect(Array.from(normalizeMap(maps.subarray(0, 4)))).toEqual([0.5, 1, 0, 0.25]);
    tf.dispose(pixels);
    model.dispose();
  });
});

describe('meanMapsByClass', () => {
  it('averages normalised maps per class', () => {
    const maps = Float32Array.from([2, 0, 0, 4, 1, 1]);
    const means = meanMapsByClass(maps, [0, 0, 1], 3, 2);
    // Class 0: (1, 0) and (0, 1) after normalising; class 1: (1, 1); class 2 has no images.
    expect(Array.from(means[0] as Float32Array)).toEqual([0.5, 0.5]);
    expect(Array.from(means[1] as Float32Array)).toEqual([1, 1]);
    expect(Array.from(means[2] as Float32Array)).toEqual([0, 0]);
  });
});

describe('region permutation importance', () => {
  /** 20 images of 2 x 2 pixels; the label is 1 exactly when the top-left pixel is 255. */
  function makeImages(): ImageSet {
    const count = 20;
    const images = new Uint8Array(count * 4);
    const labels = new Uint8Array(count);
    for (let i = 0; i < count; i++) {
      labels[i] = i % 2;
      images.set([labels[i] === 1 ? 255 : 0, 10 * i, 7, 200 - i], i * 4);
    }
    return { images, labels, count, height: 2, width: 2 };
  }
  const predictFromTopLeft = async (pixels: Uint8Array, count: number) => Uint8Array.from({ length: count }, (_, i) => (pixels[i * 4] === 255 ? 1 : 0));

  it('moves one region between images', () => {
    const set = makeImages();
    const permuted = permuteRegion(set, { top: 0, left: 1, height: 2, width: 1 }, [1, 0, ...Array.from({ length: 18 }, (_, i) => i + 2)]);
    // Image 0 takes the right column of image 1 (10, 199) and keeps its left column (0, 7).
    expect(Array.from(permuted.subarray(0, 4))).toEqual([0, 10, 7, 199]);
    expect(Array.from(permuted.subarray(4, 8))).toEqual([255, 0, 7, 200]);
    expect(Array.from(permuted.subarray(8))).toEqual(Array.from(set.images.subarray(8)));
  });

  it('finds the only region that matters', async () => {
    const result = await computeRegionPermutationImportance({ images: makeImages(), predict: predictFromTopLeft, gridSize: 2, repeats: 3, seed: 5 });
    expect(result.baselineAccuracy).toBe(1);
    expect(result.regions.map((region) => [region.row, region.column])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ]);
    expect(result.regions[0]?.accuracyDrop).toBeGreaterThan(0.2);
    expect(result.regions.slice(1).map((region) => region.accuracyDrop)).toEqual([0, 0, 0]);
  });

  it('gives edge regions the leftover pixels', async () => {
    const set: ImageSet = { images: new Uint8Array(2 * 25), labels: new Uint8Array(2), count: 2, height: 5, width: 5 };
    const result = await computeRegionPermutationImportance({ images: set, predict: async (_pixels, count) => new Uint8Array(count), gridSize: 2 });
    expect(result.regions.map((region) => [region.height, region.width])).toEqual([
      [2, 2],
      [2, 3],
      [3, 2],
      [3, 3],
    ]);
  });
});

describe('findConfidentMistakes', () => {
  it('sorts wrong predictions by confidence', () => {
    const probabilities = Float32Array.from([
      0.9, 0.1, // label 0: right
      0.7, 0.3, // label 1: wrong at 0.7
      0.2, 0.8, // label 0: wrong at 0.8
      0.7, 0.3, // label 1: wrong at 0.7, later index
    ]);
    const mistakes = findConfidentMistakes(probabilities, [0, 1, 0, 1], 2, 2);
    expect(mistakes).toHaveLength(2);
    expect(mistakes[0]).toMatchObject({ index: 2, label: 0, predicted: 1 });
    expect(mistakes[0]?.confidence).toBeCloseTo(0.8, 6);
    expect(mistakes[0]?.trueClassProbability).toBeCloseTo(0.2, 6);
    expect(mistakes[1]?.index).toBe(1);
  });
});
