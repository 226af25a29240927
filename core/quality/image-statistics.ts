import { InvalidQualityOptionError } from './errors.js';

/** Pixel value above which a pixel counts as ink: 10% of full scale on 0-255 images. */
export const DEFAULT_INK_THRESHOLD = 25;

/** Per-image statistics of 8-bit grayscale images, one value per image, each in [0, 1]. */
export interface ImageStatistics {
  /** Mean pixel value divided by 255. */
  brightness: Float64Array;
  /** RMS contrast: the standard deviation of the pixel values divided by 255. */
  contrast: Float64Array;
  /** Share of pixels above the ink threshold. */
  inkCoverage: Float64Array;
}

/**
 * Computes the brightness, RMS contrast and ink coverage of `count` grayscale images stored
 * one after another in `images` (`pixelsPerImage` bytes each). A pixel is ink when its value is
 * above `inkThreshold` (default {@link DEFAULT_INK_THRESHOLD}).
 *
 * @throws InvalidQualityOptionError when `images` does not hold exactly `count` images.
 */
export function computeImageStatistics(
  images: Uint8Array,
  count: number,
  pixelsPerImage: number,
  inkThreshold = DEFAULT_INK_THRESHOLD,
): ImageStatistics {
  if (images.length !== count * pixelsPerImage || pixelsPerImage <= 0) {
    throw new InvalidQualityOptionError(
      `Expected ${count} images of ${pixelsPerImage} pixels (${count * pixelsPerImage} bytes), received ${images.length} bytes.`,
    );
  }

  const brightness = new Float64Array(count);
  const contrast = new Float64Array(count);
  const inkCoverage = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    let sum = 0;
    let squares = 0;
    let ink = 0;
    const offset = i * pixelsPerImage;
    for (let p = 0; p < pixelsPerImage; p++) {
      const value = images[offset + p] as number;
      sum += value;
      squares += value * value;
      if (value > inkThreshold) ink++;
    }
    const mean = sum / pixelsPerImage;
    brightness[i] = mean / 255;
    contrast[i] = Math.sqrt(Math.max(squares / pixelsPerImage - mean * mean, 0)) / 255;
    inkCoverage[i] = ink / pixelsPerImage;
  }
  return { brightness, contrast, inkCoverage };
}
