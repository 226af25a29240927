import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { buildModel } from '../../../core/training/architectures.js';
import { buildEnsemble } from '../../../core/training/ensemble.js';
import { DEFAULT_SEARCH_SPACE, sampleTrialParams } from '../../../core/training/search-space.js';
import { planRungs, tune } from '../../../core/training/tune.js';
import { createRandom } from '../../../core/random.js';
import type { TrainingData } from '../../../core/training/train-model.js';
import { drawShapeSet, SHAPE_CLASSES } from '../data/folder-fixture.js';

const DATA: TrainingData = { train: drawShapeSet(20, 1), validation: drawShapeSet(6, 2), height: 28, width: 28, channels: 1, classNames: [...SHAPE_CLASSES] };

describe('planRungs', () => {
  it('plans successive halving rounds', () => {
    expect(planRungs('halving', 9, 9, 3)).toEqual([
      { size: 9, epochs: 1 },
      { size: 3, epochs: 3 },
      { size: 1, epochs: 9 },
    ]);
    expect(planRungs('halving', 4, 6, 2)).toEqual([
      { size: 4, epochs: 2 },
      { size: 2, epochs: 3 },
      { size: 1, epochs: 6 },
    ]);
    expect(planRungs('random', 5, 4, 3)).toEqual([{ size: 5, epochs: 4 }]);
  });
});

describe('sampleTrialParams', () => {
  it('repeats under a seed and stays in range', () => {
    const first = Array.from({ length: 20 }, ((random) => () => sampleTrialParams(DEFAULT_SEARCH_SPACE, random))(createRandom(3)));
    const second = Array.from({ length: 20 }, ((random) => () => sampleTrialParams(DEFAULT_SEARCH_SPACE, random))(createRandom(3)));

    expect(second).toEqual(first);
    for (const params of first) {
      expect(params.learningRate).toBeGreaterThanOrEqual(0.0005);
      expect(params.learningRate).toBeLessThanOrEqual(0.006);
      expect(DEFAULT_SEARCH_SPACE.width).toContain(params.width);
      expect(DEFAULT_SEARCH_SPACE.augmentation).toContain(params.augmentation);
    }
  });
});

describe('tune', () => {
  it('halves the trials and keeps the best', async () => {
    await selectBackend({ logger: silentLogger });
    const before = tf.memory().numTensors;
    const started: number[] = [];

    const result = await tune({
      data: DATA,
      base: { arch: 'mlp', epochs: 4, batchSize: 16, learningRate: 0.003, seed: 1, earlyStoppingPatience: 0 },
      trials: 4,
      budgetMinutes: 5,
      strategy: 'halving',
      eta: 2,
      keepBest: 2,
      onTrialStart: ({ rung }) => started.push(rung),
    });

    expect(started).toEqual([0, 0, 0, 0, 1, 1, 2]);
    expect(result.trials).toHaveLength(7);
    expect(result.trials[0]?.rung).toBe(2);
    expect(result.kept.map((kept) => kept.trial.id)).toEqual([result.trials[0]?.id, result.trials[1]?.id]);
    result.kept.forEach((kept) => kept.model.dispose());
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildEnsemble', () => {
  it('averages the members and survives saving', async () => {
    await selectBackend({ logger: silentLogger });
    const members = [
      buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 3, seed: 1, batchNorm: true, width: 0.5 }),
      buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 3, seed: 2, width: 0.5 }),
    ];
    const input = tf.randomNormal([5, 28, 28, 1], 0, 1, 'float32', 4);

    const ensemble = await buildEnsemble(members);
    const expected = tf.tidy(() => tf.add(members[0]!.predict(input) as tf.Tensor, members[1]!.predict(input) as tf.Tensor).div(2));
    const received = ensemble.predict(input) as tf.Tensor;

    expect(tf.max(tf.abs(tf.sub(received, expected))).dataSync()[0]).toBeLessThan(1e-6);
    await expect(buildEnsemble(members.slice(0, 1))).rejects.toMatchObject({ code: 'invalid_ensemble' });
    tf.dispose([input, expected, received]);
    ensemble.dispose();
    members.forEach((member) => member.dispose());
  });
});
