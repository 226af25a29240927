import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import {
  DataError,
  IdxBadMagicError,
  IdxCountMismatchError,
  IdxGzipError,
  IdxTrailingBytesError,
  IdxTruncatedError,
  LabelOutOfRangeError,
} from '../../../core/data/errors.js';
import {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  encodeIdx,
  expectIdxMagic,
  parseIdx,
  parseIdxAsync,
} from '../../../core/data/idx.js';
import { createImageSet } from '../../../core/data/image-set.js';

const fixtureDir = fileURLToPath(new URL('../../fixtures/idx/', import.meta.url));

function readFixture(name: string): Uint8Array {
  return readFileSync(path.join(fixtureDir, name));
}

/** Pixel formula used by tests/fixtures/idx/generate.ts. */
function expectedPixel(image: number, row: number, column: number): number {
  return (37 * image + 3 * row + column) % 256;
}

function catchError(run: () => unknown): DataError {
  try {
    run();
  } catch (error) {
    if (error instanceof DataError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a DataError, but nothing was thrown');
}

describe('parseIdx', () => {
  it('parses raw images file', () => {
    const idx = parseIdx(readFixture('images-5-idx3-ubyte'), 'images-5-idx3-ubyte');

    expect(idx.magic).toBe(IDX_IMAGES_MAGIC);
    expect(idx.dimensions).toEqual([5, 28, 28]);
    expect(idx.data.length).toBe(5 * 28 * 28);
    for (let image = 0; image < 5; image++) {
      for (let row = 0; row < 28; row++) {
        for (let column = 0; column < 28; column++) {
          expect(idx.data[(image * 28 + row) * 28 + column]).toBe(expectedPixel(image, row, column));
        }
      }
    }
  });

  it('parses gzipped file like raw', async () => {
    const raw = parseIdx(readFixture('images-5-idx3-ubyte'), 'raw');
    const gzipped = parseIdx(readFixture('images-5-idx3-ubyte.gz'), 'gzipped');
    const gzippedAsync = await parseIdxAsync(readFixture('images-5-idx3-ubyte.gz'), 'gzipped');

    expect(gzipped.dimensions).toEqual([5, 28, 28]);
    expect(Buffer.from(gzipped.data).equals(Buffer.from(raw.data))).toBe(true);
    expect(Buffer.from(gzippedAsync.data).equals(Buffer.from(raw.data))).toBe(true);
  });

  it('parses labels file', () => {
    const idx = parseIdx(readFixture('labels-5-idx1-ubyte'), 'labels-5-idx1-ubyte');

    expect(idx.magic).toBe(IDX_LABELS_MAGIC);
    expect(idx.dimensions).toEqual([5]);
    expect(Array.from(idx.data)).toEqual([0, 3, 9, 1, 7]);
  });

  it('rejects truncated data', () => {
    const error = catchError(() => parseIdx(readFixture('images-truncated-idx3-ubyte'), 'images-truncated-idx3-ubyte'));

    expect(error).toBeInstanceOf(IdxTruncatedError);
    expect(error.code).toBe('idx_truncated');
    expect(error.fileName).toBe('images-truncated-idx3-ubyte');
    expect((error as IdxTruncatedError).expectedBytes).toBe(3920);
    expect((error as IdxTruncatedError).receivedBytes).toBe(3820);
    expect(error.message).toContain('images-truncated-idx3-ubyte');
    expect(error.message).toContain('3920');
    expect(error.message).toContain('3820');
    expect(error.message).toContain('npm run data');
  });

  it('rejects truncated header', () => {
    const shortHeader = readFixture('images-5-idx3-ubyte').subarray(0, 10);
    const error = catchError(() => parseIdx(shortHeader, 'short-header'));

    expect(error.code).toBe('idx_truncated');
    expect((error as IdxTruncatedError).expectedBytes).toBe(16);
    expect((error as IdxTruncatedError).receivedBytes).toBe(10);
  });

  it('rejects file shorter than magic', () => {
    const error = catchError(() => parseIdx(Uint8Array.from([0, 0, 8]), 'three-bytes'));

    expect(error.code).toBe('idx_truncated');
    expect((error as IdxTruncatedError).expectedBytes).toBe(4);
    expect((error as IdxTruncatedError).receivedBytes).toBe(3);
  });

  it('rejects trailing bytes', () => {
    const valid = readFixture('images-5-idx3-ubyte');
    const padded = Buffer.concat([valid, Buffer.from([1, 2, 3])]);
    const error = catchError(() => parseIdx(padded, 'padded-idx3-ubyte'));

    expect(error).toBeInstanceOf(IdxTrailingBytesError);
    expect(error.code).toBe('idx_trailing_bytes');
    expect((error as IdxTrailingBytesError).expectedBytes).toBe(3936);
    expect((error as IdxTrailingBytesError).receivedBytes).toBe(3939);
    expect(error.message).toContain('padded-idx3-ubyte');
  });

  it('rejects little-endian magic', () => {
    const error = catchError(() => parseIdx(readFixture('labels-bad-magic-idx1-ubyte'), 'labels-bad-magic-idx1-ubyte'));

    expect(error).toBeInstanceOf(IdxBadMagicError);
    expect(error.code).toBe('idx_bad_magic');
    expect((error as IdxBadMagicError).receivedMagic).toBe(0x01080000);
    expect(error.message).toContain('labels-bad-magic-idx1-ubyte');
    expect(error.message).toContain('0x01080000');
    expect(error.message).toContain('0x00000801 or 0x00000803');
  });

  it('rejects unsupported data type', () => {
    // Type 0x0d is float32, which this reader does not support.
    const floats = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0]);
    const error = catchError(() => parseIdx(floats, 'floats-idx1'));

    expect(error.code).toBe('idx_bad_magic');
    expect((error as IdxBadMagicError).receivedMagic).toBe(0x00000d01);
  });

  it('rejects two-dimension unsigned bytes', () => {
    const matrix = encodeIdx([2, 2], Uint8Array.from([1, 2, 3, 4]));
    const error = catchError(() => parseIdx(matrix, 'matrix-idx2'));

    expect(error.code).toBe('idx_bad_magic');
    expect((error as IdxBadMagicError).receivedMagic).toBe(0x00000802);
  });

  it('rejects corrupt gzip sync and async', async () => {
    const corrupt = readFixture('images-corrupt-idx3-ubyte.gz');
    const syncError = catchError(() => parseIdx(corrupt, 'images-corrupt-idx3-ubyte.gz'));
    const asyncError = await parseIdxAsync(corrupt, 'images-corrupt-idx3-ubyte.gz').catch((error: unknown) => error);

    expect(syncError).toBeInstanceOf(IdxGzipError);
    expect(syncError.code).toBe('idx_gzip_corrupt');
    expect(syncError.message).toContain('images-corrupt-idx3-ubyte.gz');
    expect(syncError.cause).toBeInstanceOf(Error);
    expect(asyncError).toBeInstanceOf(IdxGzipError);
  });

  it('rejects gzip cut short', () => {
    const gzipped = readFixture('images-5-idx3-ubyte.gz');
    const error = catchError(() => parseIdx(gzipped.subarray(0, gzipped.length - 20), 'cut.gz'));

    expect(error.code).toBe('idx_gzip_corrupt');
  });
});

describe('expectIdxMagic', () => {
  it('rejects labels given as images', () => {
    const labels = parseIdx(readFixture('labels-5-idx1-ubyte'), 'labels-5-idx1-ubyte');
    const error = catchError(() => expectIdxMagic(labels, IDX_IMAGES_MAGIC));

    expect(error.code).toBe('idx_bad_magic');
    expect(error.message).toContain('expected 0x00000803, received 0x00000801');
  });
});

describe('createImageSet', () => {
  const images = parseIdx(readFixture('images-5-idx3-ubyte'), 'images-5-idx3-ubyte');

  it('pairs images with labels', () => {
    const labels = parseIdx(readFixture('labels-5-idx1-ubyte'), 'labels-5-idx1-ubyte');
    const set = createImageSet(images, labels, 10);

    expect(set.count).toBe(5);
    expect(set.height).toBe(28);
    expect(set.width).toBe(28);
    expect(Array.from(set.labels)).toEqual([0, 3, 9, 1, 7]);
    expect(set.images[28 * 28]).toBe(expectedPixel(1, 0, 0));
  });

  it('rejects label out of range', () => {
    const labels = parseIdx(readFixture('labels-out-of-range-idx1-ubyte'), 'labels-out-of-range-idx1-ubyte');
    const error = catchError(() => createImageSet(images, labels, 10));

    expect(error).toBeInstanceOf(LabelOutOfRangeError);
    expect(error.code).toBe('label_out_of_range');
    expect((error as LabelOutOfRangeError).index).toBe(2);
    expect((error as LabelOutOfRangeError).label).toBe(12);
    expect(error.message).toContain('labels-out-of-range-idx1-ubyte');
    expect(error.message).toContain('label 12 at index 2');
    expect(error.message).toContain('0 to 9');
  });

  it('rejects count mismatch', () => {
    const labels = parseIdx(readFixture('labels-4-idx1-ubyte'), 'labels-4-idx1-ubyte');
    const error = catchError(() => createImageSet(images, labels, 10));

    expect(error).toBeInstanceOf(IdxCountMismatchError);
    expect(error.code).toBe('idx_count_mismatch');
    expect((error as IdxCountMismatchError).imageCount).toBe(5);
    expect((error as IdxCountMismatchError).labelCount).toBe(4);
    expect(error.message).toContain('images-5-idx3-ubyte contains 5 images');
    expect(error.message).toContain('labels-4-idx1-ubyte contains 4 labels');
  });

  it('rejects swapped images and labels', () => {
    const labels = parseIdx(readFixture('labels-5-idx1-ubyte'), 'labels-5-idx1-ubyte');
    const error = catchError(() => createImageSet(labels, images, 10));

    expect(error.code).toBe('idx_bad_magic');
    expect(error.fileName).toBe('labels-5-idx1-ubyte');
  });
});

describe('encodeIdx', () => {
  it('round-trips through parseIdx', () => {
    const data = Uint8Array.from({ length: 24 }, (_, i) => i * 10);
    const idx = parseIdx(encodeIdx([2, 3, 4], data), 'round-trip');

    expect(idx.magic).toBe(IDX_IMAGES_MAGIC);
    expect(idx.dimensions).toEqual([2, 3, 4]);
    expect(Array.from(idx.data)).toEqual(Array.from(data));
  });

  it('rejects data of wrong length', () => {
    expect(() => encodeIdx([2, 3], new Uint8Array(5))).toThrow(RangeError);
    expect(() => encodeIdx([], new Uint8Array(1))).toThrow(RangeError);
  });
});
