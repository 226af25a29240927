import type { RandomSource } from '../random.js';
import { rotateImage, scaleImage } from '../quality/geometric-corruptions.js';
import { addBrightness, addGaussianNoise, blendInversion, gaussianBlur, scaleContrast, type ImageShape } from '../quality/pixel-corruptions.js';
import type { DriftType } from './drift-schedule.js';

/** The covariate drift types, which change the pixels; the others change the sampling or the labels. */
export type CovariateDriftType = Exclude<DriftType, 'class-mix' | 'label-swap'>;

/**
 * Applies one covariate drift at `strength` (units in `DRIFT_STRENGTH_UNITS`) to a gray image
 * and returns new pixels. Strength 0 returns a copy. `random` draws the noise and the rotation
 * direction.
 */
export function applyCovariateDrift(pixels: Uint8Array, shape: ImageShape, type: CovariateDriftType, strength: number, random: RandomSource): Uint8Array {
  if (strength === 0) return pixels.slice();
  switch (type) {
    case 'brightness':
      return addBrightness(pixels, strength);
    case 'contrast':
      return scaleContrast(pixels, 1 - Math.min(1, strength));
    case 'blur':
      return gaussianBlur(pixels, shape, strength);
    case 'rotation':
      return rotateImage(pixels, shape, random() < 0.5 ? -strength : strength);
    case 'noise':
      return addGaussianNoise(pixels, strength, random);
    case 'inversion':
      return blendInversion(pixels, Math.min(1, strength));
    case 'scale':
      return scaleImage(pixels, shape, Math.max(0.05, 1 - strength));
  }
}
