import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../../core/backend/select-backend.js';
import { ConfigError } from '../../../core/errors.js';
import { silentLogger } from '../../../core/logger.js';
import { TrainingWorkerError } from '../../../core/training/parallel/train-model-parallel.js';
import { trainModel, type TrainingArgs, type TrainingData } from '../../../core/training/train-model.js';
import { loadMiniTrainingData } from '../../helpers/tiny-model.js';

let data: TrainingData;

beforeAll(async () => {
  await selectBackend({ logger: silentLogger });
  ({ data } = await loadMiniTrainingData());
});

function maxAbsoluteDifference(left: tf.Tensor[], right: tf.Tensor[]): number {
  let max = 0;
  left.forEach((tensor, i) => {
    const a = tensor.dataSync();
    const b = right[i]!.dataSync();
    for (let j = 0; j < a.length; j++) max = Math.max(max, Math.abs((a[j] as number) - (b[j] as number)));
  });
  return max;
}

describe('trainModel with workers', () => {
  it('matches one thread on the same batches', async () => {
    // Batches of 30 split 15/15: the weighted mean of the two shard gradients is the full batch's gradient.
    const args: TrainingArgs = { arch: 'mlp', epochs: 2, batchSize: 30, learningRate: 0.005, seed: 3, earlyStoppingPatience: 0 };
    const single = await trainModel(data, args);
    const epochs: number[] = [];
    const batches: number[] = [];

    const parallel = await trainModel(data, { ...args, workers: 2 }, { onEpochEnd: (record) => epochs.push(record.epoch), onBatchEnd: (event) => batches.push(event.batch) });

    expect(epochs).toEqual([1, 2]);
    expect(batches).toHaveLength(2 * Math.ceil(data.train.count / 30));
    expect(parallel.stopReason).toBe('completed');
    expect(parallel.history).toHaveLength(2);
    expect(maxAbsoluteDifference(parallel.model.getWeights(), single.model.getWeights())).toBeLessThan(1e-4);
    expect(parallel.validationMetrics.accuracy).toBeCloseTo(single.validationMetrics.accuracy, 2);
    single.model.dispose();
    parallel.model.dispose();
  });

  it('trains a batch norm CNN on three workers', async () => {
    const args: TrainingArgs = { arch: 'cnn-fast', batchNorm: true, epochs: 2, batchSize: 32, learningRate: 0.005, seed: 1, earlyStoppingPatience: 0, workers: 3 };

    const result = await trainModel(data, args);

    // Chance is 0.1 for ten balanced classes.
    expect(result.validationMetrics.accuracy).toBeGreaterThan(0.4);
    expect(result.bestEpoch).toBeGreaterThanOrEqual(1);
    expect(result.model.getWeights()).toHaveLength(result.model.weights.length);
    result.model.dispose();
  });

  it('stops every worker on the time budget', async () => {
    const args: TrainingArgs = { arch: 'mlp', epochs: 50, batchSize: 8, learningRate: 0.005, seed: 1, earlyStoppingPatience: 0, maxTrainingMinutes: 0.02, workers: 2 };

    const result = await trainModel(data, args);

    expect(result.stopReason).toBe('time_budget');
    expect(result.history.length).toBeLessThan(50);
    result.model.dispose();
  });

  it('skips a last batch smaller than the workers', async () => {
    const batchSize = 29;
    const remainder = data.train.count % batchSize;
    const batches: number[] = [];

    const result = await trainModel(data, { arch: 'mlp', epochs: 1, batchSize, learningRate: 0.005, seed: 1, workers: remainder + 1 }, { onBatchEnd: (event) => batches.push(event.batch) });

    expect(remainder).toBeGreaterThan(0);
    expect(batches).toHaveLength(Math.floor(data.train.count / batchSize));
    expect(result.stopReason).toBe('completed');
    result.model.dispose();
  });

  it('rejects more workers than images per batch', async () => {
    const error = await trainModel(data, { arch: 'mlp', epochs: 1, batchSize: 4, learningRate: 0.005, seed: 1, workers: 5 }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('workers is 5: use a whole number from 1 to the batch size (4).');
  });

  it('reports a failing worker', async () => {
    const args: TrainingArgs = { arch: 'mlp', epochs: 1, batchSize: 8, learningRate: 0.005, seed: 1, augmentation: { maxShift: -1 }, workers: 2 };

    const error = await trainModel(data, args).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(TrainingWorkerError);
    expect((error as Error).message).toMatch(/^Training worker \d failed: /);
  });
});
