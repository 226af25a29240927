import { describe, expect, it } from 'vitest';
import {
  computeReliability,
  fitTemperature,
  softmaxWithTemperature,
  temperatureNegativeLogLikelihood,
} from '../../../core/quality/calibration.js';
import { evaluateTemperatureScaling } from '../../../core/quality/temperature-scaling.js';

/** `count` two-class examples with logits (4, 0), of which `correct` have label 0. */
function marginExamples(count: number, correct: number): { logits: Float32Array; labels: Uint8Array } {
  const logits = new Float32Array(count * 2);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    logits[i * 2] = 4;
    labels[i] = i < correct ? 0 : 1;
  }
  return { logits, labels };
}

describe('computeReliability', () => {
  it('bins confidences and sums the weighted gaps', () => {
    // Confidences 0.9 (right), 0.75 (wrong), 0.7 (right), 0.55 (right) in five bins of 0.2:
    // bin (0.4, 0.6]: gap |1 - 0.55|; bin (0.6, 0.8]: |0.5 - 0.725|; bin (0.8, 1]: |1 - 0.9|.
    const probabilities = Float32Array.from([0.9, 0.1, 0.75, 0.25, 0.3, 0.7, 0.55, 0.45]);
    const reliability = computeReliability(probabilities, [0, 1, 1, 0], 2, 5);

    expect(reliability.bins.map((bin) => bin.count)).toEqual([0, 0, 1, 2, 1]);
    expect(reliability.bins[0]?.accuracy).toBeNull();
    expect(reliability.bins[3]?.accuracy).toBe(0.5);
    expect(reliability.bins[3]?.meanConfidence).toBeCloseTo(0.725, 6);
    expect(reliability.expectedCalibrationError).toBeCloseTo(0.25 * 0.45 + 0.5 * 0.225 + 0.25 * 0.1, 6);
    expect(reliability.maxCalibrationError).toBeCloseTo(0.45, 6);
  });

  it('rejects a size mismatch', () => {
    expect(() => computeReliability(new Float32Array(5), [0, 1], 2)).toThrow(/Expected 2 x 2 = 4 values, received 5/);
  });
});

describe('softmaxWithTemperature', () => {
  it('divides logits before the softmax', () => {
    const logits = Float32Array.from([0, Math.log(3)]);
    const plain = softmaxWithTemperature(logits, 2, 1);
    const softened = softmaxWithTemperature(logits, 2, 2);
    expect(plain[1]).toBeCloseTo(0.75, 6);
    // exp(ln 3 / 2) = sqrt 3, so p0 = 1 / (1 + sqrt 3).
    expect(softened[0]).toBeCloseTo(1 / (1 + Math.sqrt(3)), 6);
  });
});

describe('temperatureNegativeLogLikelihood', () => {
  it('averages minus log of the true class', () => {
    const logits = Float32Array.from([0, Math.log(3), 0, Math.log(3)]);
    expect(temperatureNegativeLogLikelihood(logits, [1, 0], 2, 1)).toBeCloseTo((-Math.log(0.75) - Math.log(0.25)) / 2, 6);
  });
});

describe('fitTemperature', () => {
  it('finds the analytic optimum', () => {
    // With one margin m and a share q of correct labels, the likelihood peaks where
    // sigmoid(m / T) = q, so T = 4 / ln(0.8 / 0.2) = 2.88539.
    const { logits, labels } = marginExamples(10, 8);
    expect(fitTemperature(logits, labels, 2)).toBeCloseTo(4 / Math.log(4), 3);
  });

  it('stops at the range edge', () => {
    // Every prediction correct: sharper is always better, so the search runs to the minimum.
    const { logits, labels } = marginExamples(4, 4);
    expect(fitTemperature(logits, labels, 2, { minimum: 0.5 })).toBeCloseTo(0.5, 3);
  });

  it('rejects empty input', () => {
    expect(() => fitTemperature(new Float32Array(0), [], 2)).toThrow(/zero examples/);
  });
});

describe('evaluateTemperatureScaling', () => {
  it('fits on validation and reports test', () => {
    const validation = marginExamples(10, 8);
    // Half the test predictions are wrong, so fitting on the test split would give a huge temperature.
    const test = marginExamples(10, 5);
    const result = evaluateTemperatureScaling(validation, test, 2);

    expect(result.temperature).toBeCloseTo(2.88539, 3);
    // Before: confidence sigmoid(4) = 0.98201 against accuracy 0.8; after: 0.8 against 0.8.
    expect(result.validation.before.expectedCalibrationError).toBeCloseTo(0.98201 - 0.8, 4);
    expect(result.validation.after.expectedCalibrationError).toBeCloseTo(0, 4);
    expect(result.test.after.expectedCalibrationError).toBeCloseTo(0.8 - 0.5, 4);
    expect(result.test.count).toBe(10);
    expect(result.validation.negativeLogLikelihoodAfter).toBeLessThan(result.validation.negativeLogLikelihoodBefore);
  });
});
