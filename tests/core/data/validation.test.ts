import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDataset, toValidationInput } from '../../../core/data/load-dataset.js';
import { assertValidDataset, DataValidationError } from '../../../core/data/validation/errors.js';
import { validateDataset, type DatasetToValidate, type SplitToValidate } from '../../../core/data/validation/validate-dataset.js';
import { DEFAULT_VALIDATION_LIMITS } from '../../../core/data/validation/validation-limits.js';
import { createShapeDataset } from './folder-fixture.js';

const SIZE = 4 * 4;

/** Builds a split of 4x4 gray images; image i has a distinct gradient unless `pixels` overrides it. */
function makeSplit(name: SplitToValidate['name'], labels: number[], overrides: Record<number, number[]> = {}, offset = 0): SplitToValidate {
  const images = new Uint8Array(labels.length * SIZE);
  labels.forEach((_, i) => {
    const pixels = overrides[i] ?? Array.from({ length: SIZE }, (_, p) => (p * 7 + (i + offset) * 13) % 256);
    images.set(pixels, i * SIZE);
  });
  return { name, images, labels: Uint8Array.from(labels), count: labels.length };
}

function makeDataset(splits: SplitToValidate[]): DatasetToValidate {
  return { height: 4, width: 4, channels: 1, classNames: ['a', 'b', 'c'], splits };
}

const balanced = (count: number) => Array.from({ length: count }, (_, i) => i % 3);

describe('validateDataset', () => {
  it('passes a clean data set', () => {
    const report = validateDataset(
      makeDataset([makeSplit('train', balanced(30)), makeSplit('validation', balanced(6), {}, 100), makeSplit('test', balanced(6), {}, 200)]),
    );

    expect(report.ok).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.stats.splits.train).toEqual({ count: 30, classCounts: [10, 10, 10] });
  });

  it('catches a duplicate across splits', () => {
    const train = makeSplit('train', balanced(30));
    const leaked = Array.from(train.images.subarray(5 * SIZE, 6 * SIZE));
    const test = makeSplit('test', balanced(6), { 2: leaked }, 200);
    test.sources = ['t0.png', 't1.png', 't2.png', 't3.png', 't4.png', 't5.png'];

    const report = validateDataset(makeDataset([train, makeSplit('validation', balanced(6), {}, 100), test]));

    expect(report.ok).toBe(false);
    const leak = report.errors.find((issue) => issue.check === 'leakage_across_splits');
    expect(leak?.split).toBe('test');
    expect(leak?.count).toBe(1);
    expect(leak?.examples).toEqual(['t2.png = train[5]']);
  });

  it('keeps leakage under the limit as warning', () => {
    const train = makeSplit('train', balanced(30));
    const test = makeSplit('test', balanced(6), { 2: Array.from(train.images.subarray(5 * SIZE, 6 * SIZE)) }, 200);

    const report = validateDataset(makeDataset([train, test]), { ...DEFAULT_VALIDATION_LIMITS, maxLeakageFraction: 0.5 });

    expect(report.ok).toBe(true);
    expect(report.warnings.map((issue) => issue.check)).toEqual(['leakage_across_splits']);
  });

  it('catches a blank image', () => {
    const train = makeSplit('train', balanced(30), { 7: new Array(SIZE).fill(0) });

    const report = validateDataset(makeDataset([train]));

    const blank = report.errors.find((issue) => issue.check === 'constant_image');
    expect(blank?.count).toBe(1);
    expect(blank?.examples).toEqual(['train[7] (every pixel 0)']);
  });

  it('catches a label outside the classes', () => {
    const labels = balanced(30);
    labels[4] = 7;

    const report = validateDataset(makeDataset([makeSplit('train', labels)]));

    const wrong = report.errors.find((issue) => issue.check === 'label_out_of_range');
    expect(wrong?.count).toBe(1);
    expect(wrong?.examples).toEqual(['train[4] (label 7)']);
  });

  it('catches one image with two labels', () => {
    const train = makeSplit('train', balanced(30));
    const copy = Array.from(train.images.subarray(0, SIZE));
    const validation = makeSplit('validation', [1, 1, 2], { 0: copy }, 100);

    const report = validateDataset(makeDataset([train, validation]), { ...DEFAULT_VALIDATION_LIMITS, maxConflictingLabels: 0, maxLeakageFraction: 1 });

    const conflict = report.errors.find((issue) => issue.check === 'conflicting_labels');
    expect(conflict?.examples).toEqual(['validation[0] = train[0] (labels 1 and 0)']);
  });

  it('catches an unexpected label set', () => {
    const dataset = { ...makeDataset([makeSplit('train', balanced(30))]), expectedClassNames: ['a', 'b', 'd'] };

    const report = validateDataset(dataset);

    const labelSet = report.errors.find((issue) => issue.check === 'unexpected_label_set');
    expect(labelSet?.examples).toEqual(['c', 'd']);
  });

  it('catches duplicates inside a split', () => {
    const train = makeSplit('train', balanced(30));
    const repeated = Array.from(train.images.subarray(0, SIZE));
    const duplicates = makeSplit('train', balanced(30), { 3: repeated, 6: repeated, 9: repeated });

    const report = validateDataset(makeDataset([duplicates]));

    const issue = report.errors.find((found) => found.check === 'duplicate_in_split');
    expect(issue?.count).toBe(3);
    expect(issue?.examples).toEqual(['train[3] = train[0]', 'train[6] = train[0]', 'train[9] = train[0]']);
  });

  it('catches a missing and an imbalanced class', () => {
    const labels = [...new Array(25).fill(0), 1, 1];

    const report = validateDataset(makeDataset([makeSplit('train', labels)]));

    expect(report.errors.find((issue) => issue.check === 'class_missing')?.examples).toEqual(['c']);
    expect(report.errors.find((issue) => issue.check === 'class_imbalance')?.message).toContain('12.5 times');
  });

  it('reports a malformed split shape', () => {
    const split = makeSplit('train', balanced(3));
    const truncated = { ...split, images: split.images.subarray(0, SIZE * 2) };

    const report = validateDataset(makeDataset([truncated]));

    expect(report.errors.map((issue) => issue.check)).toEqual(['shape']);
    expect(report.errors[0]?.message).toContain('32 pixel values for 3 images of 4x4x1 (expected 48)');
  });

  it('throws with the report above limits', () => {
    const report = validateDataset(makeDataset([makeSplit('train', balanced(30), { 0: new Array(SIZE).fill(255) })]));

    expect(() => assertValidDataset(report)).toThrow(DataValidationError);
    expect(() => assertValidDataset(report)).toThrow(/constant_image \(train\)/);
  });
});

describe('validation of a folder data set', () => {
  let root: string | undefined;
  afterEach(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('lists an unreadable file by path', async () => {
    root = await createShapeDataset(10, 3);
    const broken = path.join(root, 'ring', 'broken.png');
    fs.writeFileSync(broken, Buffer.from('not a png at all'));

    const dataset = await loadDataset({ kind: 'folder', root }, { testFraction: 0.2, validationFraction: 0.2 });
    const report = validateDataset(toValidationInput(dataset));

    const unreadable = report.errors.find((issue) => issue.check === 'unreadable_file');
    expect(unreadable?.examples).toEqual([broken]);
    expect(unreadable?.message).toContain('1 of 31 files cannot be decoded');
    expect(dataset.train.count + dataset.validation.count + dataset.test.count).toBe(30);
  });

  it('catches a planted cross-split copy', async () => {
    root = await createShapeDataset(10, 4);
    const dataset = await loadDataset({ kind: 'folder', root }, { testFraction: 0.2, validationFraction: 0.2 });
    const trainFile = path.join(root, dataset.train.sources?.[0] as string);
    const testFile = path.join(root, dataset.test.sources?.[0] as string);
    fs.copyFileSync(trainFile, testFile);

    const reloaded = await loadDataset({ kind: 'folder', root }, {});
    const report = validateDataset(toValidationInput(reloaded));

    const leak = report.errors.find((issue) => issue.check === 'leakage_across_splits');
    expect(leak?.split).toBe('test');
    expect(leak?.examples[0]).toBe(`${reloaded.test.sources?.[0]} = ${dataset.train.sources?.[0]}`);
  });
});
