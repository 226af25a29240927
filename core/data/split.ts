import { ConfigError } from '../errors.js';
import { createRandom, shuffleInPlace } from '../random.js';
import { checkLabelRange, type ImageSet } from './image-set.js';

/** Options of {@link stratifiedSplit}. */
export interface StratifiedSplitArgs {
  /** Share of each class that goes to validation, in [0, 1). Defaults to 0.1. */
  validationFraction?: number;
  /** Seed of the shuffle. Defaults to 42. */
  seed?: number;
  /** Number of classes. Every label must be below it. */
  classCount: number;
}

/** Positions into the labels passed to {@link stratifiedSplit}, both sorted ascending. */
export interface SplitIndices {
  trainIndices: Uint32Array;
  validationIndices: Uint32Array;
}

/**
 * Splits the items of a training set into training and validation parts, class by class. For
 * each class, its indices are shuffled with a random source seeded by `seed` and the first
 * `round(validationFraction * classSize)` go to validation. Both index arrays are sorted
 * ascending, so the result is the same for the same labels, fraction and seed. Pass only
 * training labels: the official test set has its own loader field and stays out of this split.
 *
 * @throws ConfigError when `validationFraction` is outside [0, 1) or `classCount` is not a
 *   positive integer.
 * @throws LabelOutOfRangeError when a label is not below `classCount`.
 */
export function stratifiedSplit(labels: Uint8Array, args: StratifiedSplitArgs): SplitIndices {
  const { validationFraction = 0.1, seed = 42, classCount } = args;
  if (!(validationFraction >= 0 && validationFraction < 1)) {
    throw new ConfigError(`validationFraction must be in [0, 1), received ${validationFraction}.`);
  }
  if (!Number.isInteger(classCount) || classCount < 1) {
    throw new ConfigError(`classCount must be a positive integer, received ${classCount}.`);
  }
  checkLabelRange(labels, classCount, 'training labels');

  const indicesByClass = groupIndicesByClass(labels, classCount);
  const random = createRandom(seed);
  const isValidation = new Uint8Array(labels.length);
  let validationCount = 0;
  for (const classIndices of indicesByClass) {
    shuffleInPlace(classIndices, random);
    const take = Math.round(validationFraction * classIndices.length);
    for (let i = 0; i < take; i++) {
      isValidation[classIndices[i]!] = 1;
    }
    validationCount += take;
  }

  const trainIndices = new Uint32Array(labels.length - validationCount);
  const validationIndices = new Uint32Array(validationCount);
  let trainPosition = 0;
  let validationPosition = 0;
  for (let i = 0; i < labels.length; i++) {
    if (isValidation[i]) {
      validationIndices[validationPosition++] = i;
    } else {
      trainIndices[trainPosition++] = i;
    }
  }
  return { trainIndices, validationIndices };
}

/**
 * Copies the images and labels at `indices`, in that order, into new arrays.
 *
 * @throws RangeError when an index is not below `source.count`.
 */
export function gatherImages(source: ImageSet, indices: ArrayLike<number>): ImageSet {
  const pixelsPerImage = source.height * source.width;
  const images = new Uint8Array(indices.length * pixelsPerImage);
  const labels = new Uint8Array(indices.length);

  for (let i = 0; i < indices.length; i++) {
    const index = indices[i]!;
    if (!(Number.isInteger(index) && index >= 0 && index < source.count)) {
      throw new RangeError(`Image index ${index} at position ${i} is out of range: the set contains ${source.count} images.`);
    }
    const start = index * pixelsPerImage;
    images.set(source.images.subarray(start, start + pixelsPerImage), i * pixelsPerImage);
    labels[i] = source.labels[index]!;
  }

  return { images, labels, count: indices.length, height: source.height, width: source.width };
}

function groupIndicesByClass(labels: Uint8Array, classCount: number): Uint32Array[] {
  const classSizes = new Uint32Array(classCount);
  for (const label of labels) {
    classSizes[label]!++;
  }

  const groups = Array.from(classSizes, (size) => new Uint32Array(size));
  const filled = new Uint32Array(classCount);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    groups[label]![filled[label]!++] = i;
  }
  return groups;
}
