import type { RandomSource } from '../random.js';
import { InvalidQualityOptionError } from './errors.js';

/** Height and width of a single-channel image stored row-major, in pixels. */
export interface ImageShape {
  height: number;
  width: number;
}

/** Rounds to the nearest integer and clamps to the 8-bit range 0-255. */
export function toPixel(value: number): number {
  return Math.min(255, Math.max(0, Math.round(value)));
}

/**
 * Draws one standard normal value from two uniform draws (Box-Muller, cosine branch).
 * `1 - random()` keeps the logarithm's argument in (0, 1].
 */
export function drawStandardNormal(random: RandomSource): number {
  const u1 = 1 - random();
  const u2 = random();
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Adds independent Gaussian noise of standard deviation `sigma` (a fraction of 255) to each pixel. */
export function addGaussianNoise(pixels: Uint8Array, sigma: number, random: RandomSource): Uint8Array {
  return pixels.map((value) => toPixel(value + 255 * sigma * drawStandardNormal(random)));
}

/**
 * Returns the normalised 1-D Gaussian kernel of standard deviation `sigma` pixels, with
 * radius ceil(3 * sigma), so its length is 2 * radius + 1.
 */
export function gaussianKernel(sigma: number): Float64Array {
  const radius = Math.ceil(3 * sigma);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) {
    const weight = Math.exp(-(k * k) / (2 * sigma * sigma));
    kernel[k + radius] = weight;
    sum += weight;
  }
  return kernel.map((weight) => weight / sum);
}

/**
 * Blurs with a separable Gaussian of standard deviation `sigma` pixels. Pixels outside the
 * image count as 0, the background of Fashion-MNIST, so ink near the border fades a little.
 * The intermediate row pass is kept in floating point and rounded once at the end.
 */
export function gaussianBlur(pixels: Uint8Array, shape: ImageShape, sigma: number): Uint8Array {
  const { height, width } = shape;
  const kernel = gaussianKernel(sigma);
  const radius = (kernel.length - 1) / 2;
  const rows = new Float64Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        const sx = x + k;
        if (sx >= 0 && sx < width) sum += (kernel[k + radius] as number) * (pixels[y * width + sx] as number);
      }
      rows[y * width + x] = sum;
    }
  }

  const output = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        const sy = y + k;
        if (sy >= 0 && sy < height) sum += (kernel[k + radius] as number) * (rows[sy * width + x] as number);
      }
      output[y * width + x] = toPixel(sum);
    }
  }
  return output;
}

/** Pulls every pixel towards the image's mean: `mean + factor * (value - mean)`, as ImageNet-C's contrast does. */
export function scaleContrast(pixels: Uint8Array, factor: number): Uint8Array {
  const mean = pixels.reduce((sum, value) => sum + value, 0) / Math.max(pixels.length, 1);
  return pixels.map((value) => toPixel(mean + factor * (value - mean)));
}

/** Adds `delta * 255` to every pixel, so the black background turns gray. */
export function addBrightness(pixels: Uint8Array, delta: number): Uint8Array {
  return pixels.map((value) => toPixel(value + 255 * delta));
}

/**
 * Sets a `size` x `size` square to 0 (background), with its top-left corner at (`top`, `left`).
 * Parts of the square outside the image are ignored.
 */
export function occludeSquare(pixels: Uint8Array, shape: ImageShape, size: number, top: number, left: number): Uint8Array {
  const output = pixels.slice();
  for (let y = Math.max(top, 0); y < Math.min(top + size, shape.height); y++) {
    for (let x = Math.max(left, 0); x < Math.min(left + size, shape.width); x++) {
      output[y * shape.width + x] = 0;
    }
  }
  return output;
}

/**
 * Occludes a `size` x `size` square whose centre is drawn uniformly from the middle half of the
 * image (where Fashion-MNIST garments sit), so the square nearly always covers some ink.
 */
export function occludeRandomSquare(pixels: Uint8Array, shape: ImageShape, size: number, random: RandomSource): Uint8Array {
  const centerY = shape.height / 4 + random() * (shape.height / 2);
  const centerX = shape.width / 4 + random() * (shape.width / 2);
  return occludeSquare(pixels, shape, size, Math.round(centerY - size / 2), Math.round(centerX - size / 2));
}

/**
 * Blends each pixel with its inverse: `(1 - amount) * value + amount * (255 - value)`. Amount 1
 * is a full inversion (white background, dark garment) and 0.5 a flat gray image.
 *
 * @throws InvalidQualityOptionError when `amount` is outside [0, 1].
 */
export function blendInversion(pixels: Uint8Array, amount: number): Uint8Array {
  if (!(amount >= 0 && amount <= 1)) {
    throw new InvalidQualityOptionError(`Inversion amount must be in [0, 1], received ${amount}.`);
  }
  return pixels.map((value) => toPixel((1 - amount) * value + amount * (255 - value)));
}
