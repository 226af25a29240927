import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { predictLogisticRegression, predictNearestCentroid, runBaselines } from '../../../core/evaluation/baselines.js';
import { computeClassificationMetrics } from '../../../core/evaluation/metrics.js';
import { drawShapeSet, SHAPE_CLASSES } from '../data/folder-fixture.js';

describe('predictNearestCentroid', () => {
  it('picks the nearest class mean', () => {
    const train = { images: Uint8Array.from([0, 0, 20, 20, 200, 200, 220, 220]), labels: Uint8Array.from([0, 0, 1, 1]), count: 4 };
    const evaluated = { images: Uint8Array.from([30, 0, 180, 250]), labels: Uint8Array.from([0, 1]), count: 2 };

    const probabilities = predictNearestCentroid(train, evaluated, 2, 2);

    expect(probabilities[0]).toBeGreaterThan(0.99);
    expect(probabilities[3]).toBeGreaterThan(0.99);
    expect(probabilities[0]! + probabilities[1]!).toBeCloseTo(1, 6);
  });

  it('never predicts a class without images', () => {
    const train = { images: Uint8Array.from([0, 255]), labels: Uint8Array.from([0, 2]), count: 2 };
    const evaluated = { images: Uint8Array.from([128]), labels: Uint8Array.from([1]), count: 1 };

    const probabilities = predictNearestCentroid(train, evaluated, 1, 3);

    expect(probabilities[1]).toBe(0);
  });
});

describe('predictLogisticRegression', () => {
  it('separates the shapes well above chance', async () => {
    const before = tf.memory().numTensors;

    const probabilities = await predictLogisticRegression(drawShapeSet(20, 1), drawShapeSet(10, 2), 784, 3, { epochs: 20, learningRate: 0.01 });

    const metrics = computeClassificationMetrics(probabilities, drawShapeSet(10, 2).labels, [...SHAPE_CLASSES]);
    expect(tf.memory().numTensors).toBe(before);
    expect(probabilities.length).toBe(90);
    // Chance is 1/3 for three balanced classes.
    expect(metrics.accuracy).toBeGreaterThan(0.6);
  });
});

describe('runBaselines', () => {
  it('scores each named baseline in order', async () => {
    const results = await runBaselines(['nearest-centroid', 'logistic-regression'], drawShapeSet(20, 1), drawShapeSet(10, 2), 784, [...SHAPE_CLASSES]);

    expect(results.map((result) => result.name)).toEqual(['nearest-centroid', 'logistic-regression']);
    expect(results.map((result) => result.metrics.count)).toEqual([30, 30]);
  });
});
