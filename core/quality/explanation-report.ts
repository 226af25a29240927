import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import { gatherImages } from '../data/split.js';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { computeOcclusionSensitivity } from './occlusion-sensitivity.js';
import { pixelsToUnitTensor, type PixelClassifier } from './pixel-classifier.js';
import { computeRegionPermutationImportance, type RegionPermutationImportance } from './region-permutation-importance.js';
import { computeSaliencyMaps, meanMapsByClass, normalizeMap } from './saliency-maps.js';
import { sampleImages } from './image-sample.js';

/** Saliency and occlusion maps of one test image. */
export interface ExplainedImage {
  testIndex: number;
  label: number;
  predicted: number;
  /** Gradient saliency scaled to a maximum of 1. */
  saliency: Float32Array;
  /** Mean drop in the true-class probability when covered, not rescaled. */
  occlusion: Float32Array;
}

/** Average image and maps over the first test images of one class. */
export interface ClassExplanation {
  label: number;
  saliencyCount: number;
  occlusionCount: number;
  /** Mean pixel value in [0, 1]. */
  meanImage: Float32Array;
  /** Mean of the per-image saliency maps, each scaled to a maximum of 1 first. */
  saliency: Float32Array;
  /** Mean occlusion sensitivity. */
  occlusion: Float32Array;
}

/** Result of {@link explainModel}. */
export interface ExplanationResult {
  patchSize: number;
  stride: number;
  examples: ExplainedImage[];
  classes: ClassExplanation[];
  permutation: RegionPermutationImportance;
}

/** Options of {@link explainModel}. */
export interface ExplainModelArgs {
  classifier: PixelClassifier;
  preprocessing: PreprocessingParams;
  test: ImageSet;
  /** Predicted class of every test image. */
  predicted: Uint8Array;
  /** Images per class for the mean saliency map. */
  saliencyPerClass: number;
  /** Images per class for the mean occlusion map. */
  occlusionPerClass: number;
  /** Images for the permutation importance, drawn from the test set. */
  permutationSample: number;
  permutationRepeats: number;
  /** Defaults to 6 and 2 pixels. */
  patchSize?: number;
  stride?: number;
  seed: number;
}

/**
 * Explains the model on the test set. It computes saliency and occlusion maps for the first
 * correctly classified image of each class, and per-class mean maps over the first images of
 * each class, right or wrong. It also measures the permutation importance of a 4 x 4 grid of
 * image regions.
 */
export async function explainModel(args: ExplainModelArgs): Promise<ExplanationResult> {
  const { classifier, preprocessing, test, predicted } = args;
  const patchSize = args.patchSize ?? 6;
  const stride = args.stride ?? 2;
  const classCount = classifier.classCount;
  const mapSize = test.height * test.width;
  const occlusionOf = async (index: number): Promise<Float32Array> => {
    const pixels = pixelsToUnitTensor(test.images.subarray(index * mapSize, (index + 1) * mapSize), 1, preprocessing);
    try {
      return await computeOcclusionSensitivity(classifier, pixels, test.labels[index] as number, { patchSize, stride });
    } finally {
      pixels.dispose();
    }
  };

  const exampleIndices = firstIndicesPerClass(test.labels, classCount, 1, (i) => predicted[i] === test.labels[i]).flat();
  const exampleSaliency = await saliencyOf(classifier, preprocessing, test, exampleIndices);
  const examples: ExplainedImage[] = [];
  for (const [k, index] of exampleIndices.entries()) {
    examples.push({
      testIndex: index,
      label: test.labels[index] as number,
      predicted: predicted[index] as number,
      saliency: normalizeMap(exampleSaliency.subarray(k * mapSize, (k + 1) * mapSize)),
      occlusion: await occlusionOf(index),
    });
  }

  const saliencyIndices = firstIndicesPerClass(test.labels, classCount, args.saliencyPerClass);
  const occlusionIndices = firstIndicesPerClass(test.labels, classCount, args.occlusionPerClass);
  const flatSaliencyIndices = saliencyIndices.flat();
  const saliencyMaps = await saliencyOf(classifier, preprocessing, test, flatSaliencyIndices);
  const saliencyMeans = meanMapsByClass(saliencyMaps, flatSaliencyIndices.map((i) => test.labels[i] as number), classCount, mapSize);
  const classes: ClassExplanation[] = [];
  for (let c = 0; c < classCount; c++) {
    const occlusion = new Float32Array(mapSize);
    for (const index of occlusionIndices[c] ?? []) {
      (await occlusionOf(index)).forEach((value, p) => (occlusion[p] = (occlusion[p] as number) + value / (occlusionIndices[c]?.length ?? 1)));
    }
    classes.push({
      label: c,
      saliencyCount: saliencyIndices[c]?.length ?? 0,
      occlusionCount: occlusionIndices[c]?.length ?? 0,
      meanImage: meanImage(test, saliencyIndices[c] ?? []),
      saliency: saliencyMeans[c] as Float32Array,
      occlusion,
    });
  }

  const { sample } = sampleImages(test, args.permutationSample, args.seed);
  const permutation = await computeRegionPermutationImportance({
    images: sample,
    predict: async (pixels, count) => argmaxOfLogits(classifier, pixels, count, preprocessing),
    repeats: args.permutationRepeats,
    seed: args.seed,
  });
  return { patchSize, stride, examples, classes, permutation };
}

/** Returns, for each class, the first `perClass` indices whose label is that class and that pass `keep`. */
export function firstIndicesPerClass(
  labels: Uint8Array,
  classCount: number,
  perClass: number,
  keep: (index: number) => boolean = () => true,
): number[][] {
  const chosen = Array.from({ length: classCount }, () => [] as number[]);
  for (let i = 0; i < labels.length; i++) {
    const bucket = chosen[labels[i] as number];
    if (bucket && bucket.length < perClass && keep(i)) bucket.push(i);
  }
  return chosen;
}

async function saliencyOf(classifier: PixelClassifier, preprocessing: PreprocessingParams, test: ImageSet, indices: number[]): Promise<Float32Array> {
  const mapSize = test.height * test.width;
  const result = new Float32Array(indices.length * mapSize);
  const batchSize = 100;
  for (let start = 0; start < indices.length; start += batchSize) {
    const batch = gatherImages(test, indices.slice(start, start + batchSize));
    const pixels = pixelsToUnitTensor(batch.images, batch.count, preprocessing);
    try {
      result.set(await computeSaliencyMaps(classifier, pixels, batch.labels), start * mapSize);
    } finally {
      pixels.dispose();
    }
  }
  return result;
}

function meanImage(test: ImageSet, indices: number[]): Float32Array {
  const mapSize = test.height * test.width;
  const mean = new Float32Array(mapSize);
  for (const index of indices) {
    for (let p = 0; p < mapSize; p++) mean[p] = (mean[p] as number) + (test.images[index * mapSize + p] as number) / 255 / indices.length;
  }
  return mean;
}

async function argmaxOfLogits(classifier: PixelClassifier, pixels: Uint8Array, count: number, preprocessing: PreprocessingParams): Promise<Uint8Array> {
  const result = new Uint8Array(count);
  const imageSize = preprocessing.height * preprocessing.width * preprocessing.channels;
  for (let start = 0; start < count; start += 500) {
    const end = Math.min(start + 500, count);
    const labels = tf.tidy(() => classifier.logits(pixelsToUnitTensor(pixels.subarray(start * imageSize, end * imageSize), end - start, preprocessing)).argMax(-1));
    result.set(await labels.data(), start);
    labels.dispose();
  }
  return result;
}
