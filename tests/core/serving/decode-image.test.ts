import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import type { PreprocessingParams } from '../../../core/features/preprocessing.js';
import { decodeImage } from '../../../core/serving/decode-image.js';
import { decodePngToGray } from '../../../core/serving/decode-png.js';
import { toGray } from '../../../core/serving/gray-image.js';
import { readImageFixtures } from '../../fixtures/images/read-fixtures.js';
import { MINI_FASHION_MNIST_DIR } from '../../helpers/tiny-model.js';

const params: PreprocessingParams = { height: 28, width: 28, channels: 1, scale: 1 / 255, mean: [0.286], std: [0.353] };
const fixtures = readImageFixtures();
let test: ImageSet;

beforeAll(async () => {
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
});

function pixelsOf(index: number): Uint8Array {
  return test.images.subarray(index * 784, (index + 1) * 784);
}

function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

function correlation(a: Uint8Array, b: Uint8Array): number {
  const mean = (values: Uint8Array) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const ma = mean(a);
  const mb = mean(b);
  let cross = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    cross += ((a[i] as number) - ma) * ((b[i] as number) - mb);
    va += ((a[i] as number) - ma) ** 2;
    vb += ((b[i] as number) - mb) ** 2;
  }
  return cross / Math.sqrt(va * vb);
}

describe('decodeImage with Fashion-MNIST re-encodings', () => {
  const encodings = [...fixtures.values()].filter((entry) => entry.sourceIndex !== null && entry.file.match(/^(?!photo|small)/));

  for (const entry of encodings.filter((candidate) => candidate.lossless)) {
    it(`keeps the exact pixels of ${entry.file}`, async () => {
      const decoded = await decodeImage(entry.bytes, params);
      expect(decoded.resized).toBe(false);
      expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(entry.sourceIndex!)))).toBe(true);
    });
  }

  for (const entry of encodings.filter((candidate) => !candidate.lossless)) {
    it(`stays close to the source for ${entry.file}`, async () => {
      const decoded = await decodeImage(entry.bytes, params);
      expect(decoded.resized).toBe(false);
      expect(decoded.inverted).toBe(false);
      // JPEG at quality 95 and lossy WebP move levels by about 1 on average; CMYK round trips by about 7.
      expect(meanAbsoluteDifference(decoded.pixels, pixelsOf(entry.sourceIndex!))).toBeLessThan(8);
    });
  }

  it('applies the EXIF orientation', async () => {
    const entry = fixtures.get('exif-rotated.jpg')!;
    const decoded = await decodeImage(entry.bytes, params);
    const stored = new Uint8Array(await sharp(entry.bytes, { autoOrient: false }).toColourspace('b-w').raw().toBuffer());

    expect(meanAbsoluteDifference(decoded.pixels, pixelsOf(9))).toBeLessThan(2);
    expect(meanAbsoluteDifference(stored, pixelsOf(9))).toBeGreaterThan(20);
  });

  it('reads the first GIF frame only', async () => {
    const decoded = await decodeImage(fixtures.get('animated.gif')!.bytes, params);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(12)))).toBe(true);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(13)))).toBe(false);
  });

  it('flattens a dark cut-out onto white, then inverts', async () => {
    const decoded = await decodeImage(fixtures.get('rgba-transparent.png')!.bytes, params);
    expect(decoded.inverted).toBe(true);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(5)))).toBe(true);
  });

  it('flattens a light cut-out onto black', async () => {
    const decoded = await decodeImage(fixtures.get('gray-alpha.png')!.bytes, params);
    expect(decoded.inverted).toBe(false);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(4)))).toBe(true);
  });
});

describe('decodeImage domain rules', () => {
  it('inverts a light background exactly', async () => {
    const negative = Buffer.from(pixelsOf(30).map((value) => 255 - value));
    const png = await sharp(negative, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();

    const decoded = await decodeImage(png, params);

    expect(decoded.inverted).toBe(true);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(pixelsOf(30)))).toBe(true);
  });

  it('never crops a 28x28 image', async () => {
    const corner = new Uint8Array(784);
    for (let y = 0; y < 6; y++) corner.fill(200, y * 28, y * 28 + 6);
    const png = await sharp(corner, { raw: { width: 28, height: 28, channels: 1 } }).png().toBuffer();

    const decoded = await decodeImage(png, params);

    expect(decoded.resized).toBe(false);
    expect(Buffer.from(decoded.pixels).equals(Buffer.from(corner))).toBe(true);
  });

  it('crops, pads to a square and resizes', async () => {
    // A 10 wide, 20 high white bar at (5, 5) on a 56x40 black canvas. Cropped it is 10x20,
    // padded to 20x20 with 5 columns each side, then scaled by 1.4: columns 7 to 20.
    const canvas = new Uint8Array(56 * 40);
    for (let y = 5; y < 25; y++) canvas.fill(255, y * 56 + 5, y * 56 + 15);
    const png = await sharp(canvas, { raw: { width: 56, height: 40, channels: 1 } }).png().toBuffer();

    const decoded = await decodeImage(png, params);

    expect(decoded.resized).toBe(true);
    expect(decoded.inverted).toBe(false);
    const row = Array.from(decoded.pixels.subarray(14 * 28, 15 * 28));
    expect(row.slice(0, 6)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(row.slice(9, 19)).toEqual(new Array(10).fill(255));
    expect(row.slice(22)).toEqual([0, 0, 0, 0, 0, 0]);
    const column = Array.from({ length: 28 }, (_, y) => decoded.pixels[y * 28 + 14]);
    expect(column.slice(1, 27)).toEqual(new Array(26).fill(255));
  });

  it('brings a photo into the domain', async () => {
    const decoded = await decodeImage(fixtures.get('photo.jpg')!.bytes, params);

    expect(decoded.inverted).toBe(true);
    expect(decoded.resized).toBe(true);
    expect(decoded.originalWidth).toBe(480);
    expect(decoded.originalHeight).toBe(360);
    expect(correlation(decoded.pixels, pixelsOf(15))).toBeGreaterThan(0.9);
  });

  it('decodes the same bytes the same way', async () => {
    const bytes = fixtures.get('photo.jpg')!.bytes;
    const [a, b] = await Promise.all([decodeImage(bytes, params), decodeImage(bytes, params)]);
    expect(Buffer.from(a.pixels).equals(Buffer.from(b.pixels))).toBe(true);
  });
});

describe('decodeImage rejections', () => {
  const cases: { file: string; code: string; message: string | RegExp }[] = [
    { file: 'bomb.png', code: 'too_many_pixels', message: 'The image is 100000x100000 pixels, over the limit of 50000000 pixels. Send a smaller image.' },
    { file: 'drawing.svg', code: 'unsupported_media_type', message: 'The upload is not a raster image. Send a PNG, JPEG, WebP, GIF or TIFF image.' },
    { file: 'notes.png', code: 'unsupported_media_type', message: 'The upload is not a raster image. Send a PNG, JPEG, WebP, GIF or TIFF image.' },
    { file: 'document.pdf', code: 'unsupported_media_type', message: 'The upload is a PDF file (application/pdf). Send a PNG, JPEG, WebP, GIF or TIFF image.' },
    { file: 'truncated.png', code: 'undecodable_image', message: /^The PNG image cannot be decoded \(.+\)\. Check that the file is complete and not corrupt\.$/ },
    { file: 'truncated.jpg', code: 'undecodable_image', message: /^The JPEG image cannot be decoded \(.+\)\. Check that the file is complete and not corrupt\.$/ },
  ];

  for (const { file, code, message } of cases) {
    it(`rejects ${file} as ${code}`, async () => {
      await expect(decodeImage(fixtures.get(file)!.bytes, params)).rejects.toMatchObject({ code, message });
    });
  }

  it('rejects an empty upload', async () => {
    await expect(decodeImage(new Uint8Array(0), params)).rejects.toMatchObject({ code: 'empty_input' });
  });

  it('rejects bytes over maxBytes', async () => {
    const bytes = fixtures.get('gray-8bit.png')!.bytes;
    await expect(decodeImage(bytes, params, { maxBytes: 100, maxPixels: 1000 })).rejects.toMatchObject({
      code: 'input_too_large',
      message: `The upload is ${bytes.length} bytes, over the limit of 100 bytes. Send a smaller image.`,
    });
  });

  it('checks maxPixels per frame', async () => {
    const bytes = fixtures.get('animated.gif')!.bytes;
    await expect(decodeImage(bytes, params, { maxBytes: 1e6, maxPixels: 28 * 28 })).resolves.toMatchObject({ format: 'gif' });
    await expect(decodeImage(bytes, params, { maxBytes: 1e6, maxPixels: 28 * 28 - 1 })).rejects.toMatchObject({ code: 'too_many_pixels' });
  });
});

describe('decodePngToGray', () => {
  const pngFixtures = [...fixtures.values()].filter((entry) => entry.contentType === 'image/png' && entry.sourceIndex !== null);

  for (const entry of pngFixtures) {
    it(`matches sharp on ${entry.file}`, async () => {
      const { data, info } = await sharp(entry.bytes).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
      const expected = toGray(new Uint8Array(data), info.width, info.height, info.channels);

      const fast = decodePngToGray(entry.bytes, info.width, info.height);

      expect(fast).not.toBeNull();
      expect(fast!.width).toBe(expected.width);
      expect(Buffer.from(fast!.data).equals(Buffer.from(expected.data))).toBe(true);
    });
  }

  it('reduces 16-bit levels as libvips does', async () => {
    const ramp = new Uint16Array(256 * 256).map((_, i) => i);
    const png = await sharp(ramp, { raw: { width: 256, height: 256, channels: 1 } }).toColourspace('grey16').png().toBuffer();
    const { data, info } = await sharp(png).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    const viaSharp = toGray(new Uint8Array(data), 256, 256, info.channels);

    const fast = decodePngToGray(png, 256, 256)!;

    expect(Buffer.from(fast.data).equals(Buffer.from(viaSharp.data))).toBe(true);
    expect(fast.data[0x1234]).toBe(0x12);
  });

  it('leaves large and ICC-tagged PNGs to sharp', async () => {
    const large = await sharp({ create: { width: 300, height: 300, channels: 3, background: '#808080' } }).png().toBuffer();
    const tagged = await sharp(fixtures.get('rgb.png')!.bytes).withIccProfile('p3').png().toBuffer();

    expect(decodePngToGray(large, 300, 300)).toBeNull();
    expect(decodePngToGray(tagged, 28, 28)).toBeNull();
    expect((await decodeImage(tagged, params)).pixels).toHaveLength(784);
  });
});
