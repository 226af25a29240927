import { describe, expect, it } from 'vitest';
import { augmentationSchema, augmentBatch, NO_AUGMENTATION } from '../../../core/features/augmentation.js';
import { createRandom } from '../../../core/random.js';
import { drawShape, SHAPE_CLASSES } from '../data/folder-fixture.js';

const SHAPE = { height: 28, width: 28, channels: 1 };

/** Draws `perClass` shape images per class, with their labels. */
function drawShapes(perClass: number, seed: number): { images: Uint8Array; labels: Uint8Array; count: number } {
  const random = createRandom(seed);
  const count = perClass * SHAPE_CLASSES.length;
  const images = new Uint8Array(count * 784);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    labels[i] = i % SHAPE_CLASSES.length;
    images.set(drawShape(SHAPE_CLASSES[labels[i] as number] as (typeof SHAPE_CLASSES)[number], random), i * 784);
  }
  return { images, labels, count };
}

/** Builds a 4x4 image whose pixel (x, y) is 10 * y + x + 1, so every position is distinct. */
function gradient4x4(): Uint8Array {
  return Uint8Array.from({ length: 16 }, (_, i) => 10 * Math.floor(i / 4) + (i % 4) + 1);
}

const SMALL = { height: 4, width: 4, channels: 1 };

/**
 * Names the shape in a 28x28 image from the bounding box of its bright pixels: a box more
 * than twice as wide as tall is a bar, a dark box centre is a ring, anything else a square.
 * Shifts, flips and small rotations do not change the result, so it checks labels.
 */
function recogniseShape(image: Uint8Array): string {
  let [top, bottom, left, right] = [28, -1, 28, -1];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if ((image[y * 28 + x] as number) <= 100) continue;
      top = Math.min(top, y);
      bottom = Math.max(bottom, y);
      left = Math.min(left, x);
      right = Math.max(right, x);
    }
  }
  if (right - left + 1 > 2 * (bottom - top + 1)) return 'bar';
  const centre = image[Math.round((top + bottom) / 2) * 28 + Math.round((left + right) / 2)] as number;
  return centre <= 100 ? 'ring' : 'square';
}

describe('augmentBatch', () => {
  it('repeats exactly under the same seed', () => {
    const args = augmentationSchema.parse({ maxShift: 2, flipProbability: 0.5, maxRotationDegrees: 10, eraseProbability: 0.5 });
    const { images, count } = drawShapes(10, 1);
    const first = images.slice();
    const second = images.slice();
    const other = images.slice();

    augmentBatch(first, count, SHAPE, args, createRandom(7));
    augmentBatch(second, count, SHAPE, args, createRandom(7));
    augmentBatch(other, count, SHAPE, args, createRandom(8));

    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    expect(Buffer.from(other).equals(Buffer.from(first))).toBe(false);
    expect(Buffer.from(first).equals(Buffer.from(images))).toBe(false);
  });

  it('leaves images alone when switched off', () => {
    const { images, count } = drawShapes(3, 2);
    const copy = images.slice();
    let draws = 0;

    augmentBatch(copy, count, SHAPE, NO_AUGMENTATION, () => {
      draws++;
      return 0.5;
    });

    expect(Buffer.from(copy).equals(Buffer.from(images))).toBe(true);
    expect(draws).toBe(0);
  });

  it('mirrors each row on a flip', () => {
    const image = gradient4x4();

    augmentBatch(image, 1, SMALL, augmentationSchema.parse({ flipProbability: 1 }), () => 0);

    expect(Array.from(image)).toEqual([4, 3, 2, 1, 14, 13, 12, 11, 24, 23, 22, 21, 34, 33, 32, 31]);
  });

  it('shifts with fill at the border', () => {
    const image = gradient4x4();
    // randomInteger(-1, 1) maps a draw of 0.99 to +1: one pixel right, then one down.
    augmentBatch(image, 1, SMALL, augmentationSchema.parse({ maxShift: 1, fill: 9 }), () => 0.99);

    expect(Array.from(image)).toEqual([9, 9, 9, 9, 9, 1, 2, 3, 9, 11, 12, 13, 9, 21, 22, 23]);
  });

  it('erases one rectangle with the fill', () => {
    const image = new Uint8Array(28 * 28).fill(100);

    augmentBatch(image, 1, SHAPE, augmentationSchema.parse({ eraseProbability: 1, eraseArea: [0.1, 0.1], fill: 0 }), createRandom(3));

    const erased = image.filter((value) => value === 0).length;
    expect(image.every((value) => value === 0 || value === 100)).toBe(true);
    // 10% of 784 pixels, rounded to a whole rectangle: within a row or column of 78.
    expect(erased).toBeGreaterThan(60);
    expect(erased).toBeLessThan(100);
  });

  it('keeps every image recognisable as its label', () => {
    const original = drawShapes(40, 5);
    const augmented = original.images.slice();
    const args = augmentationSchema.parse({ maxShift: 2, flipProbability: 0.5, maxRotationDegrees: 10 });

    augmentBatch(augmented, original.count, SHAPE, args, createRandom(6));

    for (let i = 0; i < original.count; i++) {
      const label = SHAPE_CLASSES[original.labels[i] as number];
      expect(recogniseShape(original.images.subarray(i * 784, (i + 1) * 784))).toBe(label);
      expect(recogniseShape(augmented.subarray(i * 784, (i + 1) * 784))).toBe(label);
    }
  });

  it('rejects a pixel count mismatch', () => {
    expect(() => augmentBatch(new Uint8Array(10), 1, SMALL, NO_AUGMENTATION, Math.random)).toThrow(/Expected 16 pixels/);
  });
});
