import type { ImageSet } from '../data/image-set.js';
import { createRandom, shuffleInPlace } from '../random.js';
import { InvalidQualityOptionError } from './errors.js';

/** Importance of one rectangular image region. */
export interface RegionImportance {
  row: number;
  column: number;
  top: number;
  left: number;
  height: number;
  width: number;
  /** Baseline accuracy minus the accuracy with this region permuted, averaged over repeats. */
  accuracyDrop: number;
}

/** Result of {@link computeRegionPermutationImportance}. */
export interface RegionPermutationImportance {
  gridSize: number;
  repeats: number;
  sampleSize: number;
  baselineAccuracy: number;
  regions: RegionImportance[];
}

/** Options of {@link computeRegionPermutationImportance}. */
export interface RegionPermutationArgs {
  images: ImageSet;
  /** Returns the predicted class of each of `count` images. */
  predict(pixels: Uint8Array, count: number): Promise<Uint8Array>;
  /** Regions per side; defaults to 4 (7 x 7 pixel regions on 28 x 28 images). */
  gridSize?: number;
  /** Independent permutations per region; defaults to 1. */
  repeats?: number;
  /** Defaults to 1. */
  seed?: number;
}

/**
 * Measures permutation importance with image regions as the features. The image is cut into
 * a `gridSize` x `gridSize` grid. For each region, the region's pixels are exchanged between
 * images along a random permutation while the rest of each image stays, and the drop in
 * accuracy shows how much the model relies on what that region contains. Regions at the
 * edge take the leftover rows and columns when the side is not divisible by `gridSize`.
 *
 * @throws InvalidQualityOptionError for a grid finer than the image or repeats below 1.
 */
export async function computeRegionPermutationImportance(args: RegionPermutationArgs): Promise<RegionPermutationImportance> {
  const { images } = args;
  const gridSize = args.gridSize ?? 4;
  const repeats = args.repeats ?? 1;
  if (!Number.isInteger(gridSize) || gridSize < 1 || gridSize > Math.min(images.height, images.width)) {
    throw new InvalidQualityOptionError(`gridSize must be an integer from 1 to ${Math.min(images.height, images.width)}, received ${gridSize}.`);
  }
  if (!Number.isInteger(repeats) || repeats < 1) {
    throw new InvalidQualityOptionError(`repeats must be a positive integer, received ${repeats}.`);
  }

  const random = createRandom(args.seed ?? 1);
  const accuracyOf = async (pixels: Uint8Array): Promise<number> => {
    const predicted = await args.predict(pixels, images.count);
    let correct = 0;
    predicted.forEach((label, i) => {
      if (label === images.labels[i]) correct++;
    });
    return images.count === 0 ? 0 : correct / images.count;
  };
  const baselineAccuracy = await accuracyOf(images.images);

  const regions: RegionImportance[] = [];
  for (let row = 0; row < gridSize; row++) {
    for (let column = 0; column < gridSize; column++) {
      const region = regionBounds(images, gridSize, row, column);
      let dropSum = 0;
      for (let r = 0; r < repeats; r++) {
        const order = shuffleInPlace(Uint32Array.from({ length: images.count }, (_, i) => i), random);
        dropSum += baselineAccuracy - (await accuracyOf(permuteRegion(images, region, order)));
      }
      regions.push({ row, column, ...region, accuracyDrop: dropSum / repeats });
    }
  }
  return { gridSize, repeats, sampleSize: images.count, baselineAccuracy, regions };
}

/** Returns a copy of the images in which image i shows image `order[i]`'s pixels inside `region`. */
export function permuteRegion(
  images: ImageSet,
  region: { top: number; left: number; height: number; width: number },
  order: ArrayLike<number>,
): Uint8Array {
  const pixelsPerImage = images.height * images.width;
  const output = images.images.slice();
  for (let i = 0; i < images.count; i++) {
    const source = (order[i] as number) * pixelsPerImage;
    const target = i * pixelsPerImage;
    for (let y = region.top; y < region.top + region.height; y++) {
      const rowStart = y * images.width + region.left;
      output.set(images.images.subarray(source + rowStart, source + rowStart + region.width), target + rowStart);
    }
  }
  return output;
}

function regionBounds(images: ImageSet, gridSize: number, row: number, column: number): { top: number; left: number; height: number; width: number } {
  const cellHeight = Math.floor(images.height / gridSize);
  const cellWidth = Math.floor(images.width / gridSize);
  const top = row * cellHeight;
  const left = column * cellWidth;
  const height = row === gridSize - 1 ? images.height - top : cellHeight;
  const width = column === gridSize - 1 ? images.width - left : cellWidth;
  return { top, left, height, width };
}
