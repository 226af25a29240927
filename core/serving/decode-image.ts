import sharp from 'sharp';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { InputError } from './errors.js';
import { decodePngToGray } from './decode-png.js';
import { fitToModelInput } from './fit-to-model-input.js';
import { toGray, type GrayImage } from './gray-image.js';
import { readImageHeader, type AcceptedFormat, type DecodeLimits, DEFAULT_DECODE_LIMITS } from './image-header.js';

export { ACCEPTED_FORMATS, DEFAULT_DECODE_LIMITS, type AcceptedFormat, type DecodeLimits } from './image-header.js';

/**
 * Maximum edge length, in pixels, of an image while it is decoded; larger images are reduced.
 * Cropping and the final resize to 28x28 need no more detail, and it bounds a request's memory.
 */
const WORKING_EDGE = 1024;

/** The model-ready pixels of one upload and facts about the original. */
export interface DecodedImage {
  /** `height * width` gray bytes, light object on a dark background. */
  pixels: Uint8Array;
  format: AcceptedFormat;
  /** Width of the first frame as uploaded, before EXIF orientation. */
  originalWidth: number;
  /** Height of the first frame as uploaded, before EXIF orientation. */
  originalHeight: number;
  /** True when the background was light and the image was inverted to match the training data. */
  inverted: boolean;
  /** True when the image was cropped to its object and resized; false when it already had the model's size. */
  resized: boolean;
}

/**
 * Decodes an uploaded PNG (8 or 16 bit, gray, palette, with or without alpha), JPEG (EXIF
 * orientation applied, CMYK converted to sRGB, baseline or progressive), WebP, GIF (first
 * frame) or TIFF (first page) into the model's input domain. Colour becomes gray with
 * Rec. 601 weights, transparency is flattened (see {@link rgbaToGray}), and
 * {@link fitToModelInput} inverts, crops, pads and resizes.
 *
 * Only single-channel models are supported, as every snapclass architecture is.
 *
 * @throws InputError with a stable code for empty, oversized, non-raster or broken input
 * (see {@link readImageHeader}); `undecodable_image` when the pixel data is corrupt or cut off.
 */
export async function decodeImage(
  bytes: Uint8Array,
  params: PreprocessingParams,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<DecodedImage> {
  if (params.channels !== 1) {
    throw new Error(`decodeImage supports single-channel models only; this model takes ${params.channels} channels.`);
  }
  const header = await readImageHeader(bytes, limits);

  const gray = (header.format === 'png' ? decodePngToGray(bytes, header.width, header.height) : null) ?? (await decodeWithSharp(bytes, header.format, limits));

  const fitted = await fitToModelInput(gray, { width: params.width, height: params.height });
  return {
    pixels: fitted.pixels,
    format: header.format,
    originalWidth: header.width,
    originalHeight: header.height,
    inverted: fitted.inverted,
    resized: fitted.resized,
  };
}

async function decodeWithSharp(bytes: Uint8Array, format: AcceptedFormat, limits: DecodeLimits): Promise<GrayImage> {
  try {
    // failOn 'truncated' rejects cut-off pixel data but accepts the minor warnings that
    // phone and editor JPEGs often raise. pages 1 keeps the first frame of a GIF or TIFF.
    // sRGB output converts CMYK, 16-bit and ICC-tagged images to 8-bit RGB, with alpha if any.
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: 'truncated', pages: 1, autoOrient: true })
      .resize({ width: WORKING_EDGE, height: WORKING_EDGE, fit: 'inside', withoutEnlargement: true })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    return toGray(new Uint8Array(data.buffer, data.byteOffset, data.length), info.width, info.height, info.channels);
  } catch (error) {
    throw new InputError(
      'undecodable_image',
      `The ${format.toUpperCase()} image cannot be decoded (${(error as Error).message.trim()}). Check that the file is complete and not corrupt.`,
      { cause: error },
    );
  }
}
