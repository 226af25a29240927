import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { buildModel } from '../../../core/training/architectures.js';
import { parseAugmentationSpec, profileTrainingArgs } from '../../../core/training/profiles.js';
import { trainModel, type TrainingData } from '../../../core/training/train-model.js';
import { drawShapeSet, SHAPE_CLASSES } from '../data/folder-fixture.js';

const DATA: TrainingData = { train: drawShapeSet(20, 1), validation: drawShapeSet(6, 2), height: 28, width: 28, channels: 1, classNames: [...SHAPE_CLASSES] };
const weightsOf = (model: tf.LayersModel) => model.getWeights().map((weight) => Array.from(weight.dataSync()));

describe('trainModel options', () => {
  it('repeats an augmented BN run exactly', async () => {
    await selectBackend({ logger: silentLogger });
    const args = {
      arch: 'cnn-fast',
      batchNorm: true,
      width: 0.5,
      epochs: 2,
      batchSize: 16,
      learningRate: 0.01,
      seed: 9,
      earlyStoppingPatience: 0,
      schedule: { kind: 'cosine' as const, warmupFraction: 0.1, minFactor: 0 },
      augmentation: { maxShift: 2, flipProbability: 0.5, eraseProbability: 0.5 },
    };

    const first = await trainModel(DATA, args);
    const second = await trainModel(DATA, args);

    expect(weightsOf(second.model)).toEqual(weightsOf(first.model));
    expect(first.history.map((record) => record.learningRate)).toEqual(second.history.map((record) => record.learningRate));
    expect(first.history[1]?.learningRate).toBeLessThan(0.001);
    expect(first.stopReason).toBe('completed');
    first.model.dispose();
    second.model.dispose();
  });

  it('stops when the time budget is spent', async () => {
    const result = await trainModel(DATA, { arch: 'mlp', epochs: 1000, batchSize: 4, learningRate: 0.003, seed: 1, earlyStoppingPatience: 0, maxTrainingMinutes: 0.02 });

    expect(result.stopReason).toBe('time_budget');
    expect(result.history.length).toBeLessThan(1000);
    expect(result.history.length).toBeGreaterThan(0);
    expect(result.trainingTimeMs).toBeLessThan(10_000);
    result.model.dispose();
  });

  it('leaves no tensors behind but the model', async () => {
    const before = tf.memory().numTensors;

    const result = await trainModel(DATA, { arch: 'mlp', epochs: 2, batchSize: 16, learningRate: 0.003, seed: 1, earlyStoppingPatience: 0 });
    result.model.dispose();

    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('buildModel', () => {
  it('scales the width of cnn-fast', () => {
    const narrow = buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 1, width: 0.5 });
    const normal = buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 1 });

    expect(normal.countParams()).toBe(105_866);
    expect(narrow.countParams()).toBeLessThan(normal.countParams() / 3);
    narrow.dispose();
    normal.dispose();
  });

  it('adds batch normalisation to cnn-deep', () => {
    const model = buildModel('cnn-deep', { inputShape: [28, 28, 1], classCount: 10, seed: 1 });

    expect(model.layers.filter((layer) => layer.getClassName() === 'BatchNormalization')).toHaveLength(4);
    expect(model.outputs[0]?.shape).toEqual([null, 10]);
    model.dispose();
  });

  it('rejects an unknown architecture', () => {
    expect(() => buildModel('resnet', { inputShape: [28, 28, 1], classCount: 10, seed: 1 })).toThrow(/Unknown architecture "resnet"/);
  });
});

describe('profiles', () => {
  it('bound both profiles by time', () => {
    expect(profileTrainingArgs('quick').maxTrainingMinutes).toBeLessThanOrEqual(4.5);
    expect(profileTrainingArgs('full').maxTrainingMinutes).toBeLessThanOrEqual(30);
    expect(() => profileTrainingArgs('huge')).toThrow(/Unknown profile "huge"/);
  });

  it('parse augmentation specs', () => {
    expect(parseAugmentationSpec('shift=2,flip=0.5,rotate=10,erase=0.25')).toEqual({ maxShift: 2, flipProbability: 0.5, maxRotationDegrees: 10, eraseProbability: 0.25 });
    expect(parseAugmentationSpec('none')).toEqual({});
    expect(() => parseAugmentationSpec('blur=1')).toThrow(/Unknown --augment transform "blur"/);
    expect(() => parseAugmentationSpec('shift')).toThrow(/expected NAME=NUMBER/);
  });
});
