import { describe, expect, it } from 'vitest';
import { computeCalibration } from '../../../core/evaluation/calibration.js';
import { computeClassificationMetrics } from '../../../core/evaluation/metrics.js';

// Six predictions over three classes, with probabilities that float32 stores exactly.
// Predicted classes: 0, 1, 0, 2, 1, 0 against true labels 0, 1, 1, 2, 2, 0.
const PROBABILITIES = Float32Array.from([
  0.75, 0.125, 0.125,
  0.125, 0.75, 0.125,
  0.625, 0.25, 0.125,
  0.25, 0.125, 0.625,
  0.125, 0.5, 0.375,
  0.875, 0.0625, 0.0625,
]);
const LABELS = Uint8Array.from([0, 1, 1, 2, 2, 0]);
const CLASSES = ['a', 'b', 'c'];

describe('computeClassificationMetrics', () => {
  const metrics = computeClassificationMetrics(PROBABILITIES, LABELS, CLASSES);

  it('counts the confusion matrix', () => {
    expect(metrics.confusionMatrix).toEqual([
      [2, 0, 0],
      [1, 1, 0],
      [0, 1, 1],
    ]);
    expect(metrics.count).toBe(6);
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 12);
  });

  it('matches hand-computed precision, recall and F1', () => {
    // a: 2 right of 3 predicted, 2 of 2 found. b: 1 of 2, 1 of 2. c: 1 of 1, 1 of 2.
    const expected = [
      { label: 'a', precision: 2 / 3, recall: 1, f1: 0.8, support: 2 },
      { label: 'b', precision: 0.5, recall: 0.5, f1: 0.5, support: 2 },
      { label: 'c', precision: 1, recall: 0.5, f1: 2 / 3, support: 2 },
    ];
    metrics.perClass.forEach((row, c) => {
      const want = expected[c]!;
      expect(row.label).toBe(want.label);
      expect(row.precision).toBeCloseTo(want.precision, 12);
      expect(row.recall).toBeCloseTo(want.recall, 12);
      expect(row.f1).toBeCloseTo(want.f1, 12);
      expect(row.support).toBe(want.support);
    });
    expect(metrics.macroF1).toBeCloseTo((0.8 + 0.5 + 2 / 3) / 3, 12);
  });

  it('matches the hand-computed log loss', () => {
    const expected = -(Math.log(0.75) + Math.log(0.75) + Math.log(0.25) + Math.log(0.625) + Math.log(0.375) + Math.log(0.875)) / 6;

    expect(metrics.logLoss).toBeCloseTo(expected, 6);
  });

  it('matches the hand-computed ECE at 15 bins', () => {
    // Bins by top probability: 0.75 twice (both right), 0.625 twice (one right), 0.5 (wrong), 0.875 (right).
    const expected = (2 * 0.25 + 2 * 0.125 + 0.5 + 0.125) / 6;

    expect(metrics.expectedCalibrationError).toBeCloseTo(expected, 12);
  });

  it('gives zero for an empty split', () => {
    const empty = computeClassificationMetrics(new Float32Array(0), new Uint8Array(0), CLASSES);

    expect(empty.accuracy).toBe(0);
    expect(empty.logLoss).toBe(0);
    expect(empty.expectedCalibrationError).toBe(0);
  });
});

describe('computeCalibration', () => {
  it('matches hand-computed bins at 4 bins', () => {
    const calibration = computeCalibration(PROBABILITIES, LABELS, 3, 4);

    expect(calibration.bins.map((bin) => bin.count)).toEqual([0, 1, 4, 1]);
    expect(calibration.bins[2]?.meanConfidence).toBeCloseTo(0.6875, 12);
    expect(calibration.bins[2]?.accuracy).toBe(0.75);
    expect(calibration.bins[1]).toEqual({ lower: 0.25, upper: 0.5, count: 1, meanConfidence: 0.5, accuracy: 0 });
    expect(calibration.expectedCalibrationError).toBeCloseTo(0.875 / 6, 12);
  });

  it('is zero when confidence equals accuracy', () => {
    const probabilities = Float32Array.from([0.5, 0.5, 0.5, 0.5]);

    const calibration = computeCalibration(probabilities, Uint8Array.from([0, 1]), 2, 10);

    expect(calibration.expectedCalibrationError).toBe(0);
  });

  it('rejects a bin count of zero', () => {
    expect(() => computeCalibration(PROBABILITIES, LABELS, 3, 0)).toThrow(/positive integer, received 0/);
  });
});
