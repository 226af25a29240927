import crypto from 'node:crypto';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { decodeImage, type DecodeLimits } from './decode-image.js';
import { InputError } from './errors.js';

/** The model input of one request, with the facts that go into its response and row. */
export interface PreparedInput {
  /** `height * width` gray bytes, light object on a dark background. */
  pixels: Uint8Array;
  /** SHA-256 (hex) of the uploaded bytes, or of the pixels when pixels were sent. */
  inputSha256: string;
  /** Sentences for the caller about input that may give an unreliable prediction. */
  warnings: string[];
}

/** Pixels of the model input at or above this level count as part of the object. */
const OBJECT_LEVEL = 32;
/** An input whose object covers less than this fraction of the model input is near-blank. */
const MIN_OBJECT_FRACTION = 0.01;

/**
 * Turns an upload (`image`) or raw gray `pixels` into model input and lists warnings. A
 * near-blank input has under 1% of its model input at level 32 or more after decoding. A
 * small image has a width or height under half the model's.
 *
 * @throws InputError `empty_input` when neither is set, `wrong_pixel_count` or
 * `invalid_pixel_value` for bad pixels, and the codes of {@link decodeImage} for images.
 */
export async function prepareInput(
  input: { image?: Uint8Array; pixels?: ArrayLike<number> },
  params: PreprocessingParams,
  limits: DecodeLimits,
): Promise<PreparedInput> {
  const warnings: string[] = [];
  let pixels: Uint8Array;
  let inputSha256: string;

  if (input.image) {
    const decoded = await decodeImage(input.image, params, limits);
    if (decoded.originalWidth < params.width / 2 || decoded.originalHeight < params.height / 2) {
      warnings.push(
        `The image is ${decoded.originalWidth}x${decoded.originalHeight} pixels, far smaller than the model's ` +
          `${params.width}x${params.height} input, so it was enlarged and the prediction may be unreliable.`,
      );
    }
    pixels = decoded.pixels;
    inputSha256 = sha256(input.image);
  } else if (input.pixels) {
    pixels = checkPixels(input.pixels, params);
    inputSha256 = sha256(pixels);
  } else {
    throw new InputError('empty_input', `The request has no image. Send an image file or ${params.width * params.height} pixel values.`);
  }

  if (objectFraction(pixels) < MIN_OBJECT_FRACTION) {
    warnings.push('The image is nearly blank: no object stands out from the background, so the prediction is unreliable.');
  }
  return { pixels, inputSha256, warnings };
}

function checkPixels(values: ArrayLike<number>, params: PreprocessingParams): Uint8Array {
  const expected = params.height * params.width * params.channels;
  if (values.length !== expected) {
    throw new InputError('wrong_pixel_count', `Expected ${expected} pixels (${params.width}x${params.height}), received ${values.length}.`);
  }

  const pixels = new Uint8Array(expected);
  for (let i = 0; i < expected; i++) {
    const value = values[i] as number;
    if (!Number.isInteger(value) || value < 0 || value > 255) {
      throw new InputError('invalid_pixel_value', `Pixel ${i} is ${String(value)}; each pixel must be an integer from 0 to 255.`);
    }
    pixels[i] = value;
  }
  return pixels;
}

function objectFraction(pixels: Uint8Array): number {
  let count = 0;
  for (let i = 0; i < pixels.length; i++) if ((pixels[i] as number) >= OBJECT_LEVEL) count += 1;
  return count / pixels.length;
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}
