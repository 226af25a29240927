import { describe, expect, it } from 'vitest';
import { fitMahalanobisModel, scoreMahalanobis } from '../../../core/monitoring/out-of-distribution.js';
import { areaUnderRocCurve } from '../../../core/monitoring/statistics/auroc.js';
import { calibratedConfidence, fitTemperature } from '../../../core/monitoring/temperature.js';

describe('areaUnderRocCurve', () => {
  it('matches hand count with ties', () => {
    // Pairs (3,1) and (4,1) and (4,3) ranked right, (3,3) tied: 3.5 of 4.
    expect(areaUnderRocCurve([3, 4], [1, 3])).toBe(0.875);
    expect(areaUnderRocCurve([5, 6], [1, 2])).toBe(1);
    expect(areaUnderRocCurve([1], [1])).toBe(0.5);
  });

  it('rejects empty score lists', () => {
    expect(() => areaUnderRocCurve([], [1])).toThrow(/received 0 and 1/);
  });
});

describe('fitMahalanobisModel', () => {
  it('matches hand computation in one dimension', () => {
    // Mean 3, variance 5, ridge max(0.01, 1/4) * 5 = 1.25, so precision 1 / 6.25 = 0.16.
    const model = fitMahalanobisModel(Float32Array.of(0, 2, 4, 6), [0, 0, 0, 0], 1, 1, 0.01);
    expect(model.classMeans).toEqual([[3]]);
    expect(model.precision[0]).toBeCloseTo(0.16, 12);
    expect(scoreMahalanobis(model, Float32Array.of(8, 3), 1)[0]).toBeCloseTo(25 * 0.16, 10);
    expect(scoreMahalanobis(model, Float32Array.of(8, 3), 1)[1]).toBe(0);
  });

  it('takes the nearest class mean', () => {
    const vectors = Float32Array.of(0, 0, 1, 1, 10, 10, 11, 11);
    const model = fitMahalanobisModel(vectors, [0, 0, 1, 1], 2, 2, 0.01);
    expect(model.classMeans).toEqual([[0.5, 0.5], [10.5, 10.5]]);
    const [nearFirst, nearSecond] = scoreMahalanobis(model, Float32Array.of(0.5, 0.5, 10.5, 10.5), 2);
    expect(nearFirst).toBe(0);
    expect(nearSecond).toBe(0);
  });
});

describe('temperature', () => {
  it('scales confidence like softmax of logits', () => {
    // softmax(log p / 2) of [0.5, 0.25, 0.25] is proportional to [√0.5, 0.5, 0.5].
    expect(calibratedConfidence([0.5, 0.25, 0.25], 2)).toBeCloseTo(Math.SQRT1_2 / (Math.SQRT1_2 + 1), 12);
    expect(calibratedConfidence([0.5, 0.25, 0.25], 1)).toBeCloseTo(0.5, 12);
  });

  it('fits a higher temperature for overconfident rows', () => {
    // Always 90% confident, but right only 60% of the time: the fit must soften the rows
    // until the top probability is about 0.6, which for two classes is T = ln 9 / ln 1.5.
    const rows = new Float32Array(200);
    const labels = new Uint8Array(100);
    for (let i = 0; i < 100; i++) {
      rows.set([0.9, 0.1], i * 2);
      labels[i] = i < 60 ? 0 : 1;
    }
    const temperature = fitTemperature(rows, labels, 2);
    expect(temperature).toBeCloseTo(Math.log(9) / Math.log(1.5), 3);
    expect(calibratedConfidence([0.9, 0.1], temperature)).toBeCloseTo(0.6, 4);
  });
});
