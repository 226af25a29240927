import { createRandom, type RandomSource } from '../random.js';
import { InvalidQualityOptionError } from './errors.js';
import { rotateImage, scaleImage, shiftInRandomDirection } from './geometric-corruptions.js';
import {
  addBrightness,
  addGaussianNoise,
  blendInversion,
  gaussianBlur,
  occludeRandomSquare,
  scaleContrast,
  type ImageShape,
} from './pixel-corruptions.js';

/** Names of the corruptions, in report order. */
export const CORRUPTION_NAMES = [
  'gaussianNoise',
  'blur',
  'rotation',
  'shift',
  'scale',
  'contrast',
  'brightness',
  'occlusion',
  'inversion',
] as const;
export type CorruptionName = (typeof CORRUPTION_NAMES)[number];

/** One corruption with its parameter at each of the five severities. */
export interface Corruption {
  name: CorruptionName;
  /** Human-readable name for the report. */
  label: string;
  /** Meaning and unit of the parameter. */
  parameter: string;
  /** The parameter at severities 1 to 5, mildest first. */
  severities: readonly [number, number, number, number, number];
  apply(pixels: Uint8Array, shape: ImageShape, parameter: number, random: RandomSource): Uint8Array;
}

/**
 * The corruption suite, in the manner of MNIST-C (Mu and Gilmer, arXiv:1906.02337) and
 * ImageNet-C (Hendrycks and Dietterich, arXiv:1807.01697): each corruption at five severities.
 * The parameters are set for 28 x 28 garments so that severity 5 still leaves the garment
 * recognisable to a person. Randomness (noise, directions, positions) comes from the `random`
 * argument, so a seeded source repeats the same corrupted set.
 */
export const CORRUPTIONS: readonly Corruption[] = [
  {
    name: 'gaussianNoise',
    label: 'Gaussian noise',
    parameter: 'standard deviation, fraction of full scale',
    severities: [0.08, 0.12, 0.18, 0.26, 0.38],
    apply: (pixels, _shape, sigma, random) => addGaussianNoise(pixels, sigma, random),
  },
  {
    name: 'blur',
    label: 'Gaussian blur',
    parameter: 'standard deviation, pixels',
    severities: [0.5, 0.75, 1, 1.5, 2],
    apply: (pixels, shape, sigma) => gaussianBlur(pixels, shape, sigma),
  },
  {
    name: 'rotation',
    label: 'Rotation',
    parameter: 'angle, degrees, random sign',
    severities: [6, 12, 18, 24, 30],
    apply: (pixels, shape, degrees, random) => rotateImage(pixels, shape, random() < 0.5 ? -degrees : degrees),
  },
  {
    name: 'shift',
    label: 'Shift',
    parameter: 'distance, pixels, random direction',
    severities: [1, 2, 3, 4, 5],
    apply: (pixels, shape, distance, random) => shiftInRandomDirection(pixels, shape, distance, random),
  },
  {
    name: 'scale',
    label: 'Scale (shrink)',
    parameter: 'scale factor',
    severities: [0.9, 0.8, 0.7, 0.6, 0.5],
    apply: (pixels, shape, factor) => scaleImage(pixels, shape, factor),
  },
  {
    name: 'contrast',
    label: 'Contrast',
    parameter: 'factor towards the image mean',
    severities: [0.5, 0.4, 0.3, 0.2, 0.1],
    apply: (pixels, _shape, factor) => scaleContrast(pixels, factor),
  },
  {
    name: 'brightness',
    label: 'Brightness',
    parameter: 'added value, fraction of full scale',
    severities: [0.1, 0.2, 0.3, 0.4, 0.5],
    apply: (pixels, _shape, delta) => addBrightness(pixels, delta),
  },
  {
    name: 'occlusion',
    label: 'Occlusion',
    parameter: 'side of a black square, pixels',
    severities: [4, 6, 8, 10, 12],
    apply: (pixels, shape, size, random) => occludeRandomSquare(pixels, shape, size, random),
  },
  {
    name: 'inversion',
    label: 'Inversion',
    parameter: 'blend amount with the inverted image',
    severities: [0.2, 0.4, 0.6, 0.8, 1],
    apply: (pixels, _shape, amount) => blendInversion(pixels, amount),
  },
];

/** Returns the corruption called `name`. */
export function findCorruption(name: CorruptionName): Corruption {
  return CORRUPTIONS.find((corruption) => corruption.name === name) as Corruption;
}

/**
 * Applies `corruption` at `severity` (1 to 5) to each of `count` images stored one after
 * another, drawing randomness from a source seeded with `seed`. Returns a new pixel array.
 *
 * @throws InvalidQualityOptionError when `severity` is not an integer from 1 to 5.
 */
export function corruptImages(
  images: Uint8Array,
  count: number,
  shape: ImageShape,
  corruption: Corruption,
  severity: number,
  seed: number,
): Uint8Array {
  if (!Number.isInteger(severity) || severity < 1 || severity > 5) {
    throw new InvalidQualityOptionError(`Severity must be an integer from 1 to 5, received ${severity}.`);
  }
  const parameter = corruption.severities[severity - 1] as number;
  const random = createRandom(seed);
  const pixelsPerImage = shape.height * shape.width;
  const output = new Uint8Array(count * pixelsPerImage);
  for (let i = 0; i < count; i++) {
    const image = images.subarray(i * pixelsPerImage, (i + 1) * pixelsPerImage);
    output.set(corruption.apply(image, shape, parameter, random), i * pixelsPerImage);
  }
  return output;
}
