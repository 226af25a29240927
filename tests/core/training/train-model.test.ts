import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { evaluateSplit, trainModel } from '../../../core/training/train-model.js';
import { loadMiniTrainingData } from '../../helpers/tiny-model.js';

describe('trainModel', () => {
  it('trains a small CNN that beats chance', async () => {
    await selectBackend({ logger: silentLogger });
    const { data, test } = await loadMiniTrainingData();
    const epochs: number[] = [];

    const result = await trainModel(
      data,
      { arch: 'cnn-small', epochs: 3, batchSize: 32, learningRate: 0.002, seed: 1, earlyStoppingPatience: 0 },
      { onEpochEnd: (record) => epochs.push(record.epoch) },
    );
    const testMetrics = await evaluateSplit(result.model, test, result.preprocessing, data.classNames);

    expect(epochs).toEqual([1, 2, 3]);
    expect(result.history).toHaveLength(3);
    // Chance is 0.1 for ten balanced classes; 900 images and 3 epochs reach well above it.
    expect(result.validationMetrics.accuracy).toBeGreaterThan(0.45);
    expect(testMetrics.accuracy).toBeGreaterThan(0.45);
    expect(testMetrics.count).toBe(200);
    result.model.dispose();
  });

  it('gives identical weights for the same seed', async () => {
    await selectBackend({ logger: silentLogger });
    const { data } = await loadMiniTrainingData();
    const args = { arch: 'mlp', epochs: 1, batchSize: 64, learningRate: 0.01, seed: 5, earlyStoppingPatience: 0 };

    const first = await trainModel(data, args);
    const second = await trainModel(data, args);
    const weightsOf = (model: tf.LayersModel) => model.getWeights().map((weight) => Array.from(weight.dataSync()));
    expect(weightsOf(second.model)).toEqual(weightsOf(first.model));
    first.model.dispose();
    second.model.dispose();
  });

  it('restores the weights of the best epoch', async () => {
    const { data } = await loadMiniTrainingData();
    // A learning rate this high makes the validation loss rise after the first epochs.
    const result = await trainModel(data, { arch: 'mlp', epochs: 6, batchSize: 32, learningRate: 0.2, seed: 3, earlyStoppingPatience: 2 });
    const best = result.history.reduce((a, b) => (b.validationLoss < a.validationLoss ? b : a));

    expect(result.bestEpoch).toBe(best.epoch);
    expect(result.validationMetrics.logLoss).toBeCloseTo(best.validationLoss, 5);
    if (result.history.length < 6) {
      expect(result.history.length - result.bestEpoch).toBe(2);
    }
    result.model.dispose();
  });
});
