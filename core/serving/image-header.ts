import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { InputError } from './errors.js';

/** Raster formats that snapclass decodes, as sharp names them. */
export const ACCEPTED_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'tiff'] as const;

export type AcceptedFormat = (typeof ACCEPTED_FORMATS)[number];

/** file-type's extension for each accepted format. */
const FORMAT_BY_SIGNATURE: Record<string, AcceptedFormat> = {
  png: 'png',
  jpg: 'jpeg',
  webp: 'webp',
  gif: 'gif',
  tif: 'tiff',
};

/** Limits applied before and during decoding. */
export interface DecodeLimits {
  /** Largest accepted upload, in bytes. */
  maxBytes: number;
  /** Largest accepted width * height of one frame, checked from the header before any pixel is decoded. */
  maxPixels: number;
}

/** 10 MiB and 50 megapixels: room for a 48-megapixel phone photo, with a bound on decoder memory. */
export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 10 * 1024 * 1024, maxPixels: 50_000_000 };

/** Format and size declared by the header of an accepted image. */
export interface ImageHeader {
  format: AcceptedFormat;
  /** Width of the first frame in pixels, before EXIF orientation. */
  width: number;
  /** Height of the first frame in pixels, before EXIF orientation. */
  height: number;
}

/**
 * Checks an upload's size, signature and declared dimensions without decoding pixels. Only
 * bytes with the signature of an accepted raster format reach an image decoder, so SVG, PDF or
 * text are never parsed. A small file whose header declares a huge image (a decompression
 * bomb) is rejected before memory is allocated for its pixels.
 *
 * @throws InputError `empty_input` (empty), `input_too_large` (over `maxBytes`),
 * `unsupported_media_type` (not an accepted raster format), `undecodable_image` (accepted
 * signature but unreadable header), `too_many_pixels` (over `maxPixels`).
 */
export async function readImageHeader(bytes: Uint8Array, limits: DecodeLimits): Promise<ImageHeader> {
  if (bytes.length === 0) {
    throw new InputError('empty_input', `The upload is empty. Send a ${formatList()} image.`);
  }
  if (bytes.length > limits.maxBytes) {
    throw new InputError(
      'input_too_large',
      `The upload is ${bytes.length} bytes, over the limit of ${limits.maxBytes} bytes. Send a smaller image.`,
    );
  }

  const format = await sniffFormat(bytes);
  const { width, height } = format === 'png' ? readPngSize(bytes) : await readSizeWithSharp(bytes, format);

  if (width * height > limits.maxPixels) {
    throw new InputError(
      'too_many_pixels',
      `The image is ${width}x${height} pixels, over the limit of ${limits.maxPixels} pixels. Send a smaller image.`,
    );
  }
  return { format, width, height };
}

/** Reads width and height from the IHDR chunk, which the PNG specification puts first, at byte 8. */
function readPngSize(bytes: Uint8Array): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = String.fromCharCode(...bytes.subarray(12, 16));
  if (bytes.length < 24 || type !== 'IHDR') {
    throw new InputError('undecodable_image', 'The PNG header cannot be read: its first chunk is not IHDR. Check that the file is complete and not corrupt.');
  }
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

async function readSizeWithSharp(bytes: Uint8Array, format: AcceptedFormat): Promise<{ width: number; height: number }> {
  try {
    // The header is read without sharp's own pixel limit, so the caller's check can name the size.
    const metadata = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { width: metadata.width, height: metadata.pageHeight ?? metadata.height };
  } catch (error) {
    throw new InputError(
      'undecodable_image',
      `The ${format.toUpperCase()} header cannot be read (${(error as Error).message}). Check that the file is complete and not corrupt.`,
      { cause: error },
    );
  }
}

async function sniffFormat(bytes: Uint8Array): Promise<AcceptedFormat> {
  const sniffed = await fileTypeFromBuffer(bytes).catch(() => undefined);
  const format = sniffed ? FORMAT_BY_SIGNATURE[sniffed.ext] : undefined;
  if (format) return format;

  const found = sniffed ? `a ${sniffed.ext.toUpperCase()} file (${sniffed.mime})` : 'not a raster image';
  throw new InputError('unsupported_media_type', `The upload is ${found}. Send a ${formatList()} image.`);
}

function formatList(): string {
  return 'PNG, JPEG, WebP, GIF or TIFF';
}
