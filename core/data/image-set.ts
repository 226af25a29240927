import { IdxCountMismatchError, LabelOutOfRangeError } from './errors.js';
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, expectIdxMagic, type IdxArray } from './idx.js';

/** Grayscale images with one class label each. */
export interface ImageSet {
  /** `count * height * width` pixel values from 0 to 255, image after image, each row-major. */
  images: Uint8Array;
  /** One class index per image, below the data set's class count. */
  labels: Uint8Array;
  count: number;
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
}

/**
 * Pairs a parsed images file with its labels file, without copying their values.
 *
 * @throws IdxBadMagicError when `images` is not a 3-dimension file or `labels` not a 1-dimension one.
 * @throws IdxCountMismatchError when the two files hold different counts.
 * @throws LabelOutOfRangeError for the first label that is not below `classCount`.
 */
export function createImageSet(images: IdxArray, labels: IdxArray, classCount: number): ImageSet {
  expectIdxMagic(images, IDX_IMAGES_MAGIC);
  expectIdxMagic(labels, IDX_LABELS_MAGIC);

  const [count = 0, height = 0, width = 0] = images.dimensions;
  const labelCount = labels.dimensions[0] ?? 0;
  if (count !== labelCount) {
    throw new IdxCountMismatchError(images.fileName, labels.fileName, count, labelCount);
  }

  checkLabelRange(labels.data, classCount, labels.fileName);
  return { images: images.data, labels: labels.data, count, height, width };
}

/**
 * Checks that every label is below `classCount`. `source` names the labels in the error
 * (a file name, or a description such as `training labels`).
 *
 * @throws LabelOutOfRangeError naming the source, the index and the value of the first bad label.
 */
export function checkLabelRange(labels: Uint8Array, classCount: number, source: string): void {
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (label >= classCount) {
      throw new LabelOutOfRangeError(source, i, label, classCount);
    }
  }
}
