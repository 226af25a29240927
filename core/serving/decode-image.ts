import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { InputError } from './errors.js';

/** Raster formats that sharp decodes and snapclass accepts. */
export const ACCEPTED_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const;

/** Limits applied before and during decoding. */
export interface DecodeLimits {
  /** Largest accepted upload in bytes. */
  maxBytes: number;
  /** Largest accepted width * height; checked from the header before pixels are decoded. */
  maxPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 10 * 1024 * 1024, maxPixels: 40_000_000 };

/** The model-ready pixels of one upload and facts about the original. */
export interface DecodedImage {
  /** `height * width * channels` bytes, light object on a dark background. */
  pixels: Uint8Array;
  format: string;
  originalWidth: number;
  originalHeight: number;
  /** True when the background was light and the image was inverted to match the training data. */
  inverted: boolean;
}

/**
 * Decodes an uploaded image into the model's input domain: EXIF orientation applied,
 * transparency flattened onto white, converted to gray, fitted into the model's size with
 * its aspect ratio kept (padding with the background), and inverted when the background is
 * light, because Fashion-MNIST items are light on dark.
 *
 * @throws InputError with a stable code for empty, oversized, non-raster or broken input.
 */
export async function decodeImage(
  bytes: Uint8Array,
  params: PreprocessingParams,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<DecodedImage> {
  if (bytes.length === 0) {
    throw new InputError('empty_input', 'The upload is empty. Send a PNG, JPEG, WebP, GIF or TIFF image.');
  }
  if (bytes.length > limits.maxBytes) {
    throw new InputError(
      'input_too_large',
      `The upload is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes. Send a smaller image.`,
    );
  }

  const metadata = await readMetadata(bytes);
  const format: string = metadata.format ?? 'unknown';
  if (!(ACCEPTED_FORMATS as readonly string[]).includes(format)) {
    throw new InputError(
      'unsupported_media_type',
      `The upload is ${format === 'unknown' ? 'not a raster image' : `a ${format.toUpperCase()} file`}. ` +
        `Send one of: ${ACCEPTED_FORMATS.join(', ')}.`,
    );
  }
  const width = metadata.width ?? 0;
  const height = metadata.height ?? 0;
  if (width * height > limits.maxPixels) {
    throw new InputError(
      'too_many_pixels',
      `The image is ${width}x${height} pixels, over the limit of ${limits.maxPixels} pixels. Send a smaller image.`,
    );
  }

  const gray = await decodeToGray(bytes, params, limits);
  const inverted = hasLightBackground(gray, params.width, params.height);
  if (inverted) {
    for (let i = 0; i < gray.length; i++) gray[i] = 255 - (gray[i] as number);
  }
  return { pixels: gray, format, originalWidth: width, originalHeight: height, inverted };
}

/** File types, as file-type names them, whose signature marks a raster image sharp can decode. */
const RASTER_SIGNATURES = new Set(['png', 'jpg', 'webp', 'gif', 'tif']);

async function readMetadata(bytes: Uint8Array): Promise<Metadata> {
  try {
    return await sharp(bytes).metadata();
  } catch (error) {
    // A known image signature whose header cannot be read is a broken image, not a wrong type.
    const sniffed = await fileTypeFromBuffer(bytes).catch(() => undefined);
    if (sniffed && RASTER_SIGNATURES.has(sniffed.ext)) {
      throw new InputError(
        'undecodable_image',
        `The ${sniffed.ext.toUpperCase()} image cannot be decoded: ${(error as Error).message}. Check that the file is complete and not corrupt.`,
        { cause: error },
      );
    }
    throw new InputError(
      'unsupported_media_type',
      `The upload is not a readable raster image (${(error as Error).message}). ` +
        `Send one of: ${ACCEPTED_FORMATS.join(', ')}.`,
      { cause: error },
    );
  }
}

async function decodeToGray(bytes: Uint8Array, params: PreprocessingParams, limits: DecodeLimits): Promise<Uint8Array> {
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1 })
      .rotate()
      .flatten({ background: '#ffffff' })
      .grayscale()
      .resize(params.width, params.height, { fit: 'contain', background: await cornerColour(bytes) })
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 1 || data.length !== params.width * params.height) {
      throw new Error(`decoded to ${info.width}x${info.height}x${info.channels}`);
    }
    return new Uint8Array(data.buffer, data.byteOffset, data.length).slice();
  } catch (error) {
    throw new InputError(
      'undecodable_image',
      `The image cannot be decoded: ${(error as Error).message}. Check that the file is complete and not corrupt.`,
      { cause: error },
    );
  }
}

/** The gray level of the top-left pixel, used to pad the image so the padding matches its background. */
async function cornerColour(bytes: Uint8Array): Promise<{ r: number; g: number; b: number }> {
  try {
    const { data } = await sharp(bytes, { pages: 1 })
      .flatten({ background: '#ffffff' })
      .grayscale()
      .extract({ left: 0, top: 0, width: 1, height: 1 })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const level = data[0] ?? 0;
    return { r: level, g: level, b: level };
  } catch {
    return { r: 0, g: 0, b: 0 };
  }
}

/** True when the mean of the border pixels is above mid-gray. */
function hasLightBackground(gray: Uint8Array, width: number, height: number): boolean {
  let sum = 0;
  let count = 0;
  for (let x = 0; x < width; x++) {
    sum += (gray[x] as number) + (gray[(height - 1) * width + x] as number);
    count += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    sum += (gray[y * width] as number) + (gray[y * width + width - 1] as number);
    count += 2;
  }
  return sum / count > 127;
}
