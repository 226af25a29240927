import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { beforeAll, describe, expect, it } from 'vitest';

import { loadFashionMnist, type FashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import { gatherImages, stratifiedSplit } from '../../../core/data/split.js';

const miniDir = fileURLToPath(new URL('../../fixtures/fashion-mnist-mini/', import.meta.url));

let mini: FashionMnist;
beforeAll(async () => {
  mini = await loadFashionMnist(miniDir, { expectedChecksums: null });
});

function countByClass(labels: Uint8Array, indices: Uint32Array, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const index of indices) {
    counts[labels[index]!]!++;
  }
  return counts;
}

function imageHashes(set: ImageSet): string[] {
  const pixels = set.height * set.width;
  return Array.from({ length: set.count }, (_, i) =>
    createHash('sha1').update(set.images.subarray(i * pixels, (i + 1) * pixels)).digest('hex'),
  );
}

describe('stratifiedSplit', () => {
  it('repeats indices for same seed', () => {
    const first = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 42 });
    const second = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 42 });

    expect(Array.from(first.trainIndices)).toEqual(Array.from(second.trainIndices));
    expect(Array.from(first.validationIndices)).toEqual(Array.from(second.validationIndices));
  });

  it('changes indices with seed', () => {
    const first = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 42 });
    const second = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 43 });

    expect(Array.from(first.validationIndices)).not.toEqual(Array.from(second.validationIndices));
  });

  it('uses defaults of 0.1 and seed 42', () => {
    const implicit = stratifiedSplit(mini.train.labels, { classCount: 10 });
    const explicit = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 42, validationFraction: 0.1 });

    expect(implicit.validationIndices.length).toBe(100);
    expect(Array.from(implicit.validationIndices)).toEqual(Array.from(explicit.validationIndices));
  });

  it('takes rounded share per class', () => {
    // Class sizes 7, 13 and 25 at 0.3 give round(2.1) = 2, round(3.9) = 4 and round(7.5) = 8.
    const labels = new Uint8Array([...Array(7).fill(0), ...Array(13).fill(1), ...Array(25).fill(2)]);
    const { trainIndices, validationIndices } = stratifiedSplit(labels, {
      classCount: 3,
      validationFraction: 0.3,
      seed: 1,
    });

    expect(countByClass(labels, validationIndices, 3)).toEqual([2, 4, 8]);
    expect(countByClass(labels, trainIndices, 3)).toEqual([5, 9, 17]);
  });

  it('keeps mini classes balanced', () => {
    const { trainIndices, validationIndices } = stratifiedSplit(mini.train.labels, {
      classCount: 10,
      validationFraction: 0.15,
    });

    expect(countByClass(mini.train.labels, validationIndices, 10)).toEqual(new Array(10).fill(15));
    expect(countByClass(mini.train.labels, trainIndices, 10)).toEqual(new Array(10).fill(85));
  });

  it('returns disjoint complete sorted indices', () => {
    const { trainIndices, validationIndices } = stratifiedSplit(mini.train.labels, { classCount: 10, seed: 7 });
    const all = [...trainIndices, ...validationIndices].sort((a, b) => a - b);

    expect(all).toEqual(Array.from({ length: mini.train.count }, (_, i) => i));
    expect(new Set(all).size).toBe(mini.train.count);
    expect(Array.from(trainIndices)).toEqual([...trainIndices].sort((a, b) => a - b));
    expect(Array.from(validationIndices)).toEqual([...validationIndices].sort((a, b) => a - b));
  });

  it('keeps test images out', () => {
    const { trainIndices, validationIndices } = stratifiedSplit(mini.train.labels, { classCount: 10 });
    const train = gatherImages(mini.train, trainIndices);
    const validation = gatherImages(mini.train, validationIndices);
    const testHashes = new Set(imageHashes(mini.test));
    const trainingHashes = new Set(imageHashes(mini.train));

    expect(train.count + validation.count).toBe(mini.train.count);
    expect(Math.max(...trainIndices, ...validationIndices)).toBe(mini.train.count - 1);
    for (const hash of [...imageHashes(train), ...imageHashes(validation)]) {
      expect(trainingHashes.has(hash)).toBe(true);
      expect(testHashes.has(hash)).toBe(false);
    }
  });

  it('allows zero validation fraction', () => {
    const { trainIndices, validationIndices } = stratifiedSplit(mini.train.labels, {
      classCount: 10,
      validationFraction: 0,
    });

    expect(validationIndices.length).toBe(0);
    expect(trainIndices.length).toBe(mini.train.count);
  });

  it('rejects invalid options', () => {
    const labels = Uint8Array.from([0, 1, 2]);

    for (const validationFraction of [1, -0.1, Number.NaN]) {
      expect(() => stratifiedSplit(labels, { classCount: 3, validationFraction })).toThrow(
        expect.objectContaining({ code: 'invalid_config' }),
      );
    }
    expect(() => stratifiedSplit(labels, { classCount: 0 })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
    expect(() => stratifiedSplit(labels, { classCount: 2.5 })).toThrow(expect.objectContaining({ code: 'invalid_config' }));
  });

  it('rejects label out of range', () => {
    expect(() => stratifiedSplit(Uint8Array.from([0, 1, 3]), { classCount: 3 })).toThrow(
      expect.objectContaining({ code: 'label_out_of_range', index: 2, label: 3 }),
    );
  });
});

describe('gatherImages', () => {
  it('copies images in index order', () => {
    const gathered = gatherImages(mini.train, [5, 0, 5]);
    const pixels = 28 * 28;

    expect(gathered.count).toBe(3);
    expect(gathered.labels).toEqual(Uint8Array.from([mini.train.labels[5]!, mini.train.labels[0]!, mini.train.labels[5]!]));
    expect(gathered.images.subarray(0, pixels)).toEqual(mini.train.images.subarray(5 * pixels, 6 * pixels));
    expect(gathered.images.subarray(pixels, 2 * pixels)).toEqual(mini.train.images.subarray(0, pixels));
    expect(gathered.images.subarray(2 * pixels)).toEqual(mini.train.images.subarray(5 * pixels, 6 * pixels));
  });

  it('leaves source unchanged when copy changes', () => {
    const before = mini.train.images[0];
    const gathered = gatherImages(mini.train, [0]);
    gathered.images[0] = (before! + 1) % 256;
    gathered.labels[0] = 9;

    expect(mini.train.images[0]).toBe(before);
  });

  it('rejects index out of range', () => {
    expect(() => gatherImages(mini.train, [0, mini.train.count])).toThrow(RangeError);
    expect(() => gatherImages(mini.train, [-1])).toThrow(RangeError);
  });
});
