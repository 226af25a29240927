import type { RandomSource } from '../random.js';
import type { ImageShape } from './pixel-corruptions.js';
import { toPixel } from './pixel-corruptions.js';

/**
 * Resamples an image through an inverse mapping: each output pixel (x, y) takes the bilinear
 * interpolation of the input at `sourceOf(x, y)`. Pixel centres sit at integer coordinates,
 * and input pixels outside the image count as 0 (background).
 */
export function resampleBilinear(
  pixels: Uint8Array,
  shape: ImageShape,
  sourceOf: (x: number, y: number) => [number, number],
): Uint8Array {
  const { height, width } = shape;
  const at = (x: number, y: number): number =>
    x >= 0 && x < width && y >= 0 && y < height ? (pixels[y * width + x] as number) : 0;

  const output = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = sourceOf(x, y);
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const top = (1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0);
      const bottom = (1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1);
      output[y * width + x] = toPixel((1 - fy) * top + fy * bottom);
    }
  }
  return output;
}

/**
 * Rotates the image by `degrees` about its centre, counter-clockwise as displayed (rows grow
 * downwards), with bilinear interpolation. Corners that come from outside the image are 0.
 */
export function rotateImage(pixels: Uint8Array, shape: ImageShape, degrees: number): Uint8Array {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const cx = (shape.width - 1) / 2;
  const cy = (shape.height - 1) / 2;
  // Inverse of a counter-clockwise rotation in image coordinates (y down).
  return resampleBilinear(pixels, shape, (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    return [cx + cos * dx - sin * dy, cy + sin * dx + cos * dy];
  });
}

/** Moves the content `dx` pixels right and `dy` pixels down (whole pixels); vacated pixels are 0. */
export function shiftImage(pixels: Uint8Array, shape: ImageShape, dx: number, dy: number): Uint8Array {
  const { height, width } = shape;
  const output = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    const sy = y - dy;
    if (sy < 0 || sy >= height) continue;
    for (let x = 0; x < width; x++) {
      const sx = x - dx;
      if (sx >= 0 && sx < width) output[y * width + x] = pixels[sy * width + sx] as number;
    }
  }
  return output;
}

/**
 * Shifts by `distance` pixels in a direction drawn uniformly from the full circle, rounding
 * each component to whole pixels.
 */
export function shiftInRandomDirection(pixels: Uint8Array, shape: ImageShape, distance: number, random: RandomSource): Uint8Array {
  const angle = 2 * Math.PI * random();
  return shiftImage(pixels, shape, Math.round(distance * Math.cos(angle)), Math.round(distance * Math.sin(angle)));
}

/**
 * Scales the image by `factor` about its centre with bilinear interpolation: below 1 the
 * garment shrinks inside a wider background, above 1 it is enlarged and its edges cropped.
 * NOTE: shrinking samples without low-pass filtering, so factors near 0.5 alias thin lines.
 */
export function scaleImage(pixels: Uint8Array, shape: ImageShape, factor: number): Uint8Array {
  const cx = (shape.width - 1) / 2;
  const cy = (shape.height - 1) / 2;
  return resampleBilinear(pixels, shape, (x, y) => [cx + (x - cx) / factor, cy + (y - cy) / factor]);
}
