import { describe, expect, it } from 'vitest';
import { computeImageStatistics } from '../../../core/quality/image-statistics.js';
import { evaluateSlices, quantileSlices, type SliceResult } from '../../../core/quality/slices.js';

const CLASS_NAMES = ['T-shirt/top', 'Trouser', 'Shirt'];

/**
 * 120 images of 2 x 2 pixels; every pixel of image i is i, so brightness is i / 255. Labels
 * cycle 0, 1, 2. Every prediction is right except the 20 Trouser images with i < 60, which are
 * predicted as T-shirt/top.
 */
function makeEvaluatedSet(): { images: Uint8Array; labels: Uint8Array; predicted: Uint8Array } {
  const count = 120;
  const images = new Uint8Array(count * 4);
  const labels = new Uint8Array(count);
  const predicted = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images.fill(i, i * 4, i * 4 + 4);
    labels[i] = i % 3;
    predicted[i] = labels[i] === 1 && i < 60 ? 0 : (labels[i] as number);
  }
  return { images, labels, predicted };
}

function findSlice(slices: SliceResult[], kind: SliceResult['kind'], name: string): SliceResult {
  const slice = slices.find((candidate) => candidate.kind === kind && candidate.name === name);
  if (!slice) throw new Error(`no ${kind} slice named ${name}`);
  return slice;
}

describe('evaluateSlices', () => {
  const set = makeEvaluatedSet();
  const report = evaluateSlices({ ...set, pixelsPerImage: 4, classNames: CLASS_NAMES });

  it('counts the whole set', () => {
    expect(report.overall.size).toBe(120);
    expect(report.overall.correct).toBe(100);
    expect(report.overall.accuracy).toBeCloseTo(100 / 120, 12);
    expect(report.slices).toHaveLength(3 + 3 * 4 + 1);
  });

  it('measures each class slice', () => {
    const trouser = findSlice(report.slices, 'class', 'Trouser');
    expect(trouser.size).toBe(40);
    expect(trouser.correct).toBe(20);
    expect(trouser.accuracy).toBe(0.5);
    expect(trouser.interval.lower).toBeCloseTo(0.3519952693, 9);
    expect(trouser.interval.upper).toBeCloseTo(0.6480047307, 9);
    expect(findSlice(report.slices, 'class', 'Shirt').accuracy).toBe(1);
  });

  it('flags the failing class with its p-value', () => {
    const trouser = findSlice(report.slices, 'class', 'Trouser');
    // z = -6.928 for 20/40 against the other 80/80; 16 slices in Holm's first step.
    expect(trouser.pValue).toBeCloseTo(2.131e-12, 13);
    expect(trouser.adjustedPValue).toBeCloseTo(16 * 2.131e-12, 12);
    expect(trouser.significantlyWorse).toBe(true);
    expect(findSlice(report.slices, 'class', 'T-shirt/top').significantlyWorse).toBe(false);
  });

  it('cuts brightness at type-7 quartiles', () => {
    const quartiles = report.slices.filter((slice) => slice.kind === 'brightness');
    expect(quartiles.map((slice) => slice.size)).toEqual([30, 30, 30, 30]);
    expect(quartiles.map((slice) => slice.correct)).toEqual([20, 20, 30, 30]);
    expect(quartiles[0]?.range?.upper).toBeCloseTo(29.75 / 255, 12);
    expect(quartiles[3]?.range?.upper).toBeCloseTo(119 / 255, 12);
  });

  it('applies the Holm step-down to quartiles', () => {
    const first = findSlice(report.slices, 'brightness', '1st of 4');
    const second = findSlice(report.slices, 'brightness', '2nd of 4');
    // 20/30 against 80/90: z = -2.828, p = 0.0023389; ranks 2 and 3 of 16 multiply by 15 and 14,
    // and the step-down keeps the larger value for both.
    expect(first.pValue).toBeCloseTo(0.0023388675, 6);
    expect(first.adjustedPValue).toBeCloseTo(15 * 0.0023388675, 6);
    expect(second.adjustedPValue).toBeCloseTo(15 * 0.0023388675, 6);
    expect(first.significantlyWorse).toBe(true);
    expect(findSlice(report.slices, 'brightness', '3rd of 4').significantlyWorse).toBe(false);
  });

  it('keeps tied values in one slice', () => {
    // Every image is flat, so contrast is 0 everywhere; ink coverage is 0 or 1.
    const contrast = report.slices.filter((slice) => slice.kind === 'contrast');
    expect(contrast.map((slice) => slice.size)).toEqual([120, 0, 0, 0]);
    expect(contrast[1]?.accuracy).toBeNull();
    expect(contrast[1]?.interval).toEqual({ lower: 0, upper: 1 });
    expect(contrast[0]?.pValue).toBe(1);
  });

  it('groups the confusable classes present', () => {
    const group = report.slices.find((slice) => slice.kind === 'confusable');
    expect(group?.name).toBe('T-shirt/top, Shirt');
    expect(group?.size).toBe(80);
    expect(group?.correct).toBe(80);
    expect(report.confusableMatrix).toEqual({
      classNames: ['T-shirt/top', 'Shirt', 'other classes'],
      counts: [
        [40, 0, 0],
        [0, 40, 0],
      ],
    });
  });

  it('rejects predictions of another length', () => {
    expect(() => evaluateSlices({ ...set, predicted: new Uint8Array(3), pixelsPerImage: 4, classNames: CLASS_NAMES })).toThrow(
      /120 labels but 3 predictions/,
    );
  });
});

describe('quantileSlices', () => {
  it('puts boundary values in the lower slice', () => {
    const slices = quantileSlices('brightness', [1, 2, 3, 4, 5], 2);
    // The median of 1..5 is 3, so 3 belongs to the first slice.
    expect(slices.map((slice) => slice.indices)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
  });
});

describe('computeImageStatistics', () => {
  it('computes brightness, contrast and ink', () => {
    // One 2 x 2 image: 0, 255, 25, 26. Mean 76.5; ink pixels are those above 25.
    const statistics = computeImageStatistics(Uint8Array.from([0, 255, 25, 26]), 1, 4);
    const mean = 76.5;
    const variance = (0 ** 2 + 255 ** 2 + 25 ** 2 + 26 ** 2) / 4 - mean ** 2;
    expect(statistics.brightness[0]).toBeCloseTo(mean / 255, 12);
    expect(statistics.contrast[0]).toBeCloseTo(Math.sqrt(variance) / 255, 12);
    expect(statistics.inkCoverage[0]).toBe(0.5);
  });

  it('rejects a size mismatch', () => {
    expect(() => computeImageStatistics(new Uint8Array(7), 2, 4)).toThrow(/Expected 2 images of 4 pixels \(8 bytes\), received 7/);
  });
});
