import { promisify } from 'node:util';
import zlib from 'node:zlib';

import { IdxBadMagicError, IdxGzipError, IdxTrailingBytesError, IdxTruncatedError } from './errors.js';

// IDX is the file format of the MNIST family: a 4-byte big-endian magic number whose third byte
// is the data type (0x08 = unsigned byte) and whose fourth byte is the dimension count, then one
// big-endian uint32 size per dimension, then the values in row-major order.

/** Magic number of an unsigned-byte IDX file with 1 dimension (count). */
export const IDX_LABELS_MAGIC = 0x00000801;
/** Magic number of an unsigned-byte IDX file with 3 dimensions (count, rows, columns). */
export const IDX_IMAGES_MAGIC = 0x00000803;

const SUPPORTED_MAGICS = [IDX_LABELS_MAGIC, IDX_IMAGES_MAGIC] as const;
const gunzipAsync = promisify(zlib.gunzip);

/** A parsed IDX file: its dimensions and a view of its unsigned-byte values. */
export interface IdxArray {
  fileName: string;
  magic: number;
  /** Sizes from the header, outermost first: `[count]` for labels, `[count, rows, columns]` for images. */
  dimensions: number[];
  /** Values in row-major order, as a view into the decompressed file rather than a copy. */
  data: Uint8Array;
}

/** Returns whether `bytes` start with the gzip magic bytes 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses a raw or gzipped IDX file of unsigned bytes with magic 0x00000801 (labels) or
 * 0x00000803 (images). Gzip input is detected by its magic bytes and decompressed synchronously.
 * `fileName` only labels error messages.
 *
 * @throws IdxGzipError when gzip data does not decompress.
 * @throws IdxBadMagicError when the magic number is not one of the two supported ones.
 * @throws IdxTruncatedError when the header or the data is shorter than the header declares.
 * @throws IdxTrailingBytesError when bytes follow the declared data.
 */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = zlib.gunzipSync(bytes);
    } catch (error) {
      throw new IdxGzipError(fileName, error);
    }
  }
  return parseRawIdx(raw, fileName);
}

/**
 * Same as {@link parseIdx}, but decompresses gzip input on libuv's thread pool, so several
 * files can decompress in parallel.
 */
export async function parseIdxAsync(bytes: Uint8Array, fileName: string): Promise<IdxArray> {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = await gunzipAsync(bytes);
    } catch (error) {
      throw new IdxGzipError(fileName, error);
    }
  }
  return parseRawIdx(raw, fileName);
}

/**
 * Checks that `idx` has the given magic number, which fixes its kind and dimension count.
 *
 * @throws IdxBadMagicError naming the expected and received magic numbers.
 */
export function expectIdxMagic(idx: IdxArray, magic: number): void {
  if (idx.magic !== magic) {
    throw new IdxBadMagicError(idx.fileName, [magic], idx.magic);
  }
}

function parseRawIdx(raw: Uint8Array, fileName: string): IdxArray {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw.length < 4) {
    throw new IdxTruncatedError(fileName, 'header', 4, raw.length);
  }

  const magic = view.getUint32(0, false);
  if (!(SUPPORTED_MAGICS as readonly number[]).includes(magic)) {
    throw new IdxBadMagicError(fileName, SUPPORTED_MAGICS, magic);
  }

  const dimensionCount = magic & 0xff;
  const headerLength = 4 + 4 * dimensionCount;
  if (raw.length < headerLength) {
    throw new IdxTruncatedError(fileName, 'header', headerLength, raw.length);
  }
  const dimensions: number[] = [];
  for (let i = 0; i < dimensionCount; i++) {
    dimensions.push(view.getUint32(4 + 4 * i, false));
  }

  // The product of four uint32 values can exceed 2^53, but then it exceeds any real file
  // length too, so the comparisons below stay correct.
  const dataLength = dimensions.reduce((product, size) => product * size, 1);
  const receivedDataLength = raw.length - headerLength;
  if (receivedDataLength < dataLength) {
    throw new IdxTruncatedError(fileName, `data (${dimensions.join(' x ')} bytes)`, dataLength, receivedDataLength);
  }
  if (receivedDataLength > dataLength) {
    throw new IdxTrailingBytesError(fileName, headerLength + dataLength, raw.length);
  }

  const data = new Uint8Array(raw.buffer, raw.byteOffset + headerLength, dataLength);
  return { fileName, magic, dimensions, data };
}

/**
 * Encodes unsigned bytes as a raw IDX file with magic 0x0000080N, where N is the number of
 * dimensions (1 to 255).
 *
 * @throws RangeError when the dimension count is out of range or `data.length` differs from
 *   the product of `dimensions`.
 */
export function encodeIdx(dimensions: readonly number[], data: Uint8Array): Uint8Array {
  if (dimensions.length < 1 || dimensions.length > 255) {
    throw new RangeError(`IDX files have 1 to 255 dimensions, received ${dimensions.length}.`);
  }
  const dataLength = dimensions.reduce((product, size) => product * size, 1);
  if (data.length !== dataLength) {
    throw new RangeError(
      `IDX dimensions [${dimensions.join(', ')}] need ${dataLength} bytes, received ${data.length}.`,
    );
  }

  const headerLength = 4 + 4 * dimensions.length;
  const bytes = new Uint8Array(headerLength + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x00000800 | dimensions.length, false);
  dimensions.forEach((size, i) => view.setUint32(4 + 4 * i, size, false));
  bytes.set(data, headerLength);
  return bytes;
}
