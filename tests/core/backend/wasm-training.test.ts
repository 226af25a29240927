import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmConv2DBackpropFilter } from '../../../core/backend/conv2d-backprop-filter-wasm.js';
import { registerWasmConv2DBackpropInput } from '../../../core/backend/conv2d-backprop-input-wasm.js';
import { maxRelativeError, seededValues } from './conv-gradients.js';

const BATCH_SIZE = 8;
const INPUT_SHAPE: [number, number, number] = [12, 12, 1];
const CLASS_COUNT = 3;
const STEPS = 3;

beforeAll(() => {
  registerWasmConv2DBackpropFilter();
  registerWasmConv2DBackpropInput();
});

/** Builds a CNN with every layer type that snapclass CNNs train with, seeded weights and dropout masks. */
function buildTinyCnn(optimizer: tf.Optimizer): tf.LayersModel {
  let seed = 100;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: INPUT_SHAPE, filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.batchNormalization(),
      tf.layers.flatten(),
      tf.layers.dropout({ rate: 0.25, seed: seed++ }),
      tf.layers.dense({ units: CLASS_COUNT, activation: 'softmax', kernelInitializer: init() }),
    ],
  });
  model.compile({ optimizer, loss: 'categoricalCrossentropy' });
  return model;
}

interface TrainingRun {
  losses: number[];
  weights: Float32Array[];
  leakedTensors: number;
}

// The optimizer is built after setBackend because it allocates tensors on the active backend.
async function trainTinyCnn(backend: string, createOptimizer: () => tf.Optimizer): Promise<TrainingRun> {
  await tf.setBackend(backend);
  const model = buildTinyCnn(createOptimizer());
  const images = tf.tensor4d(seededValues([BATCH_SIZE, ...INPUT_SHAPE], 7), [BATCH_SIZE, ...INPUT_SHAPE]);
  const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), CLASS_COUNT);

  const losses = [Number(await model.trainOnBatch(images, labels))];
  const afterFirstStep = tf.memory().numTensors;
  for (let step = 1; step < STEPS; step++) {
    losses.push(Number(await model.trainOnBatch(images, labels)));
  }
  const leakedTensors = tf.memory().numTensors - afterFirstStep;

  const weights = model.getWeights().map((weight) => weight.dataSync() as Float32Array);
  tf.dispose([images, labels]);
  model.dispose();
  return { losses, weights, leakedTensors };
}

describe('tf.layers CNN training on wasm', () => {
  // Plain SGD moves each weight in proportion to its gradient, so small gradient differences stay
  // small. Adam scales every step to about the learning rate. The bias of the conv that feeds
  // batch normalization has a gradient that is rounding noise on both backends, and Adam would
  // move it by a full step in a direction that differs between them.
  it('matches cpu losses and weights', async () => {
    const cpu = await trainTinyCnn('cpu', () => tf.train.sgd(0.1));
    const wasm = await trainTinyCnn('wasm', () => tf.train.sgd(0.1));

    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.losses).toHaveLength(STEPS);
    for (const [step, loss] of wasm.losses.entries()) {
      expect(loss).toBeCloseTo(cpu.losses[step] ?? Number.NaN, 4);
    }
    expect(wasm.losses[STEPS - 1]).toBeLessThan(wasm.losses[0] ?? 0);
    expect(wasm.weights).toHaveLength(cpu.weights.length);
    for (const [index, weight] of wasm.weights.entries()) {
      expect(maxRelativeError(weight, cpu.weights[index] ?? new Float32Array())).toBeLessThan(1e-3);
    }
  });

  it('lowers the loss with Adam', async () => {
    const wasm = await trainTinyCnn('wasm', () => tf.train.adam(0.01));

    expect(tf.getBackend()).toBe('wasm');
    expect(wasm.losses.every(Number.isFinite)).toBe(true);
    expect(wasm.losses[STEPS - 1]).toBeLessThan(wasm.losses[0] ?? 0);
  });

  it('matches cpu softmax cross-entropy gradients', async () => {
    const logitValues = seededValues([BATCH_SIZE, CLASS_COUNT], 9);
    const gradient = () =>
      tf.tidy(() => {
        const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], 'int32'), CLASS_COUNT);
        const loss = (logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, logits);
        return tf.grad(loss)(tf.tensor2d(logitValues, [BATCH_SIZE, CLASS_COUNT])).dataSync() as Float32Array;
      });
    await tf.setBackend('cpu');
    const expected = gradient();
    await tf.setBackend('wasm');

    const actual = gradient();

    expect(actual).toHaveLength(BATCH_SIZE * CLASS_COUNT);
    expect(maxRelativeError(actual, expected)).toBeLessThan(1e-5);
  });

  it('leaks no tensors between steps', async () => {
    const wasm = await trainTinyCnn('wasm', () => tf.train.adam(0.01));

    expect(wasm.leakedTensors).toBe(0);
  });
});
