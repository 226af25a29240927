import { z } from 'zod';
import type { RandomSource } from '../random.js';

/**
 * Random transforms that {@link augmentBatch} applies to training images, each switched on by
 * its own field. Every transform moves or hides pixels and never touches the labels.
 */
export const augmentationSchema = z.object({
  /** Largest shift in pixels along each axis; the uncovered border is filled with `fill`. 0 turns it off. */
  maxShift: z.number().int().min(0).max(16).default(0),
  /** Probability of mirroring an image left to right. */
  flipProbability: z.number().min(0).max(1).default(0),
  /** Largest rotation in degrees, drawn uniformly in [-maxRotation, maxRotation]. 0 turns it off. */
  maxRotationDegrees: z.number().min(0).max(45).default(0),
  /** Probability of erasing one random rectangle (random erasing). */
  eraseProbability: z.number().min(0).max(1).default(0),
  /** Erased area as a share of the image, drawn uniformly in [min, max]. */
  eraseArea: z.tuple([z.number().gt(0).max(1), z.number().gt(0).max(1)]).default([0.02, 0.2]),
  /** Value (0-255) of shifted-in border pixels and of erased pixels. 0 is the background of Fashion-MNIST. */
  fill: z.number().int().min(0).max(255).default(0),
});

export type AugmentationArgs = z.infer<typeof augmentationSchema>;

/** No transform at all: the images pass through unchanged. */
export const NO_AUGMENTATION: AugmentationArgs = augmentationSchema.parse({});

/** Reports whether any transform of `args` is switched on. */
export function isAugmentationEnabled(args: AugmentationArgs): boolean {
  return args.maxShift > 0 || args.flipProbability > 0 || args.maxRotationDegrees > 0 || args.eraseProbability > 0;
}

/** Shape of the images that {@link augmentBatch} transforms. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * Applies the switched-on transforms of `args` to `count` images of 8-bit pixels (NHWC,
 * row-major) in place, drawing every random choice from `random` in a fixed order: per
 * image, the flip, the shift, the rotation, then the erasing. The same `random` state and
 * pixels give the same output, so a seeded run repeats exactly. Rotation samples the source
 * pixel with bilinear interpolation around the image centre.
 *
 * @throws RangeError when `pixels` does not hold `count` images of `shape`.
 */
export function augmentBatch(
  pixels: Uint8Array,
  count: number,
  shape: ImageShape,
  args: AugmentationArgs,
  random: RandomSource,
): void {
  const imageSize = shape.height * shape.width * shape.channels;
  if (pixels.length !== count * imageSize) {
    throw new RangeError(
      `Expected ${count * imageSize} pixels for ${count} images of ${shape.height}x${shape.width}x${shape.channels}, received ${pixels.length}.`,
    );
  }
  if (!isAugmentationEnabled(args)) return;

  const scratch = new Uint8Array(imageSize);
  for (let i = 0; i < count; i++) {
    const image = pixels.subarray(i * imageSize, (i + 1) * imageSize);
    const flip = args.flipProbability > 0 && random() < args.flipProbability;
    const dx = args.maxShift > 0 ? randomInteger(random, -args.maxShift, args.maxShift) : 0;
    const dy = args.maxShift > 0 ? randomInteger(random, -args.maxShift, args.maxShift) : 0;
    const angle = args.maxRotationDegrees > 0 ? (random() * 2 - 1) * args.maxRotationDegrees : 0;

    if (flip || dx !== 0 || dy !== 0 || angle !== 0) {
      transformImage(image, scratch, shape, { flip, dx, dy, radians: (angle * Math.PI) / 180, fill: args.fill });
      image.set(scratch);
    }
    if (args.eraseProbability > 0 && random() < args.eraseProbability) {
      eraseRectangle(image, shape, args, random);
    }
  }
}

interface Transform {
  flip: boolean;
  dx: number;
  dy: number;
  radians: number;
  fill: number;
}

/**
 * Writes into `target` the image `source` mirrored (when `flip`), rotated by `radians`
 * around its centre and shifted by (dx, dy). Each target pixel maps back to a source
 * position, so no holes appear; positions outside the source read `fill`.
 */
function transformImage(source: Uint8Array, target: Uint8Array, shape: ImageShape, transform: Transform): void {
  const { height, width, channels } = shape;
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  const cos = Math.cos(transform.radians);
  const sin = Math.sin(transform.radians);
  const rotated = transform.radians !== 0;

  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // Undo the shift, then the rotation, then the flip, to find where this pixel comes from.
      const shiftedX = x - transform.dx - centreX;
      const shiftedY = y - transform.dy - centreY;
      let sourceX = rotated ? cos * shiftedX + sin * shiftedY + centreX : shiftedX + centreX;
      const sourceY = rotated ? -sin * shiftedX + cos * shiftedY + centreY : shiftedY + centreY;
      if (transform.flip) sourceX = width - 1 - sourceX;

      for (let c = 0; c < channels; c++) {
        const value = rotated
          ? sampleBilinear(source, shape, sourceX, sourceY, c, transform.fill)
          : samplePixel(source, shape, Math.round(sourceX), Math.round(sourceY), c, transform.fill);
        target[(y * width + x) * channels + c] = value;
      }
    }
  }
}

function samplePixel(image: Uint8Array, shape: ImageShape, x: number, y: number, channel: number, fill: number): number {
  if (x < 0 || y < 0 || x >= shape.width || y >= shape.height) return fill;
  return image[(y * shape.width + x) * shape.channels + channel] as number;
}

function sampleBilinear(image: Uint8Array, shape: ImageShape, x: number, y: number, channel: number, fill: number): number {
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const top = samplePixel(image, shape, x0, y0, channel, fill) * (1 - fx) + samplePixel(image, shape, x0 + 1, y0, channel, fill) * fx;
  const bottom =
    samplePixel(image, shape, x0, y0 + 1, channel, fill) * (1 - fx) + samplePixel(image, shape, x0 + 1, y0 + 1, channel, fill) * fx;
  return Math.round(top * (1 - fy) + bottom * fy);
}

/** Fills one rectangle of random area and aspect ratio (1/3 to 3) with `fill`. */
function eraseRectangle(image: Uint8Array, shape: ImageShape, args: AugmentationArgs, random: RandomSource): void {
  const [minArea, maxArea] = args.eraseArea;
  const area = (minArea + random() * (maxArea - minArea)) * shape.height * shape.width;
  const aspect = Math.exp(Math.log(1 / 3) + random() * (Math.log(3) - Math.log(1 / 3)));
  const eraseHeight = Math.max(1, Math.min(shape.height, Math.round(Math.sqrt(area * aspect))));
  const eraseWidth = Math.max(1, Math.min(shape.width, Math.round(Math.sqrt(area / aspect))));
  const top = randomInteger(random, 0, shape.height - eraseHeight);
  const left = randomInteger(random, 0, shape.width - eraseWidth);

  for (let y = top; y < top + eraseHeight; y++) {
    const start = (y * shape.width + left) * shape.channels;
    image.fill(args.fill, start, start + eraseWidth * shape.channels);
  }
}

/** Returns an integer drawn uniformly from [min, max], both included. */
function randomInteger(random: RandomSource, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
