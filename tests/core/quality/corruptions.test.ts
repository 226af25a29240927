import { describe, expect, it } from 'vitest';
import { CORRUPTIONS, corruptImages, findCorruption } from '../../../core/quality/corruption-suite.js';
import { rotateImage, scaleImage, shiftImage, shiftInRandomDirection } from '../../../core/quality/geometric-corruptions.js';
import {
  addBrightness,
  addGaussianNoise,
  blendInversion,
  gaussianBlur,
  occludeRandomSquare,
  occludeSquare,
  scaleContrast,
} from '../../../core/quality/pixel-corruptions.js';

/** A random source that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let next = 0;
  return () => values[next++ % values.length] as number;
}

const SQUARE_3 = { height: 3, width: 3 };

describe('addGaussianNoise', () => {
  it('adds Box-Muller draws scaled to full range', () => {
    // Pixel 1: u1 = 1 - 0.5, u2 = 0, z = sqrt(-2 ln 0.5) = 1.17741; 100 + 25.5 z = 130.02.
    // Pixel 2: u1 = 1 - 0.75, u2 = 0.5, z = -sqrt(-2 ln 0.25) = -1.66511; 20 - 42.46 clips to 0.
    const noisy = addGaussianNoise(Uint8Array.from([100, 20]), 0.1, sequence(0.5, 0, 0.75, 0.5));
    expect(Array.from(noisy)).toEqual([130, 0]);
  });
});

describe('gaussianBlur', () => {
  it('spreads a single pixel by the kernel product', () => {
    // sigma 0.5: radius 2, weights exp(-2 k^2) normalised: w0 = 0.786571, w1 = 0.106451, w2 = 0.000264.
    // Output = 255 * w(dy) * w(dx): centre 157.77, edge neighbour 21.35, diagonal 2.89, two away 0.05.
    const image = new Uint8Array(25);
    image[12] = 255;
    const blurred = gaussianBlur(image, { height: 5, width: 5 }, 0.5);
    expect(Array.from(blurred)).toEqual([
      0, 0, 0, 0, 0,
      0, 3, 21, 3, 0,
      0, 21, 158, 21, 0,
      0, 3, 21, 3, 0,
      0, 0, 0, 0, 0,
    ]);
  });

  it('loses the mass that falls outside', () => {
    const image = new Uint8Array(25);
    image[0] = 255;
    const blurred = gaussianBlur(image, { height: 5, width: 5 }, 0.5);
    expect(Array.from(blurred.subarray(0, 3))).toEqual([158, 21, 0]);
  });
});

describe('rotateImage', () => {
  const image = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]);

  it('rotates a quarter turn counter-clockwise exactly', () => {
    expect(Array.from(rotateImage(image, SQUARE_3, 90))).toEqual([30, 60, 90, 20, 50, 80, 10, 40, 70]);
  });

  it('interpolates bilinearly at 45 degrees', () => {
    const rotated = rotateImage(image, SQUARE_3, 45);
    // Output (x 2, y 1) samples (1.7071, 1.7071): between 50, 60, 80 and 90, giving 78.28.
    expect(rotated[5]).toBe(78);
    expect(rotated[4]).toBe(50);
    // Output (x 0, y 0) samples (1, -0.414): 0.414 of the outside row and 0.586 of 20.
    expect(rotated[0]).toBe(12);
  });
});

describe('shiftImage', () => {
  it('moves right and up, filling with zeros', () => {
    const image = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(shiftImage(image, SQUARE_3, 1, -1))).toEqual([0, 4, 5, 0, 7, 8, 0, 0, 0]);
  });

  it('draws the direction from the random source', () => {
    const image = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // random 0 is angle 0: two pixels to the right. random 0.25 is a quarter turn: down.
    expect(Array.from(shiftInRandomDirection(image, SQUARE_3, 2, sequence(0)))).toEqual([0, 0, 1, 0, 0, 4, 0, 0, 7]);
    expect(Array.from(shiftInRandomDirection(image, SQUARE_3, 1, sequence(0.25)))).toEqual([0, 0, 0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('scaleImage', () => {
  it('halves about the centre with bilinear sampling', () => {
    // 4 x 4 image with pixel (x, y) = 16 * (4y + x); the centre is (1.5, 1.5).
    const image = Uint8Array.from({ length: 16 }, (_, i) => 16 * i);
    const scaled = scaleImage(image, { height: 4, width: 4 }, 0.5);
    // Output (1, 1) samples (0.5, 0.5), the mean of 0, 16, 64 and 80.
    expect(scaled[5]).toBe(40);
    // Output (2, 2) samples (2.5, 2.5): mean of 160, 176, 224, 240.
    expect(scaled[10]).toBe(200);
    // Output (1, 2) samples (0.5, 2.5): mean of 128, 144, 192, 208.
    expect(scaled[9]).toBe(168);
    // Output (0, 0) samples (-1.5, -1.5), outside the image.
    expect(scaled[0]).toBe(0);
  });
});

describe('pixel corruptions', () => {
  it('scales contrast towards the mean', () => {
    expect(Array.from(scaleContrast(Uint8Array.from([0, 100, 200, 100]), 0.5))).toEqual([50, 100, 150, 100]);
  });

  it('adds brightness and clips', () => {
    // 0.1 of full scale is 25.5; halves round up.
    expect(Array.from(addBrightness(Uint8Array.from([0, 100, 250]), 0.1))).toEqual([26, 126, 255]);
  });

  it('occludes a square clipped to the image', () => {
    const image = new Uint8Array(16).fill(255);
    const inside = occludeSquare(image, { height: 4, width: 4 }, 2, 1, 1);
    expect(Array.from(inside)).toEqual([255, 255, 255, 255, 255, 0, 0, 255, 255, 0, 0, 255, 255, 255, 255, 255]);
    const corner = occludeSquare(image, { height: 4, width: 4 }, 2, -1, 3);
    expect(corner.filter((value) => value === 0)).toHaveLength(1);
    expect(corner[3]).toBe(0);
  });

  it('centres a random occlusion in the middle half', () => {
    // random 0.5 twice puts the centre at (4, 4) of an 8 x 8 image: rows and columns 3 and 4.
    const occluded = occludeRandomSquare(new Uint8Array(64).fill(9), { height: 8, width: 8 }, 2, sequence(0.5));
    const zeros = Array.from(occluded.entries()).filter(([, value]) => value === 0).map(([index]) => index);
    expect(zeros).toEqual([27, 28, 35, 36]);
  });

  it('blends with the inverted image', () => {
    const image = Uint8Array.from([0, 100, 255]);
    expect(Array.from(blendInversion(image, 1))).toEqual([255, 155, 0]);
    expect(Array.from(blendInversion(image, 0.5))).toEqual([128, 128, 128]);
    // 0.75 * 100 + 0.25 * 155 = 113.75.
    expect(blendInversion(image, 0.25)[1]).toBe(114);
    expect(() => blendInversion(image, 1.5)).toThrow(/\[0, 1\], received 1.5/);
  });
});

describe('corruptImages', () => {
  const shape = { height: 3, width: 3 };
  const images = Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 0, 0, 0, 255, 0, 0, 0, 0]);

  it('applies the severity parameter to each image', () => {
    const inverted = corruptImages(images, 2, shape, findCorruption('inversion'), 5, 1);
    expect(Array.from(inverted.subarray(0, 9))).toEqual([245, 235, 225, 215, 205, 195, 185, 175, 165]);
    expect(Array.from(inverted.subarray(9))).toEqual([255, 255, 255, 255, 0, 255, 255, 255, 255]);
  });

  it('repeats random corruptions for one seed', () => {
    const noise = findCorruption('gaussianNoise');
    expect(corruptImages(images, 2, shape, noise, 3, 7)).toEqual(corruptImages(images, 2, shape, noise, 3, 7));
    expect(corruptImages(images, 2, shape, noise, 3, 7)).not.toEqual(corruptImages(images, 2, shape, noise, 3, 8));
  });

  it('rejects severities outside one to five', () => {
    expect(() => corruptImages(images, 2, shape, findCorruption('blur'), 0, 1)).toThrow(/from 1 to 5, received 0/);
    expect(() => corruptImages(images, 2, shape, findCorruption('blur'), 6, 1)).toThrow(/received 6/);
  });

  it('lists nine corruptions with five severities', () => {
    expect(CORRUPTIONS).toHaveLength(9);
    for (const corruption of CORRUPTIONS) expect(corruption.severities).toHaveLength(5);
  });
});
