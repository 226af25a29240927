import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmMaxPoolGrad } from '../../../core/backend/max-pool-grad-wasm.js';
import { maxRelativeError, seededValues } from './conv-gradients.js';

// Overlapping windows add several dy values into one dx value, in another order than the cpu backend.
const TOLERANCE = 1e-6;

interface PoolCase {
  name: string;
  xShape: [number, number, number, number];
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same';
  /** Rounds values to this many steps, so windows hold ties. */
  levels?: number;
}

const POOL_CASES: PoolCase[] = [
  { name: '2x2 tiled, even size', xShape: [3, 8, 8, 4], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2 tiled, odd size drops the last row', xShape: [2, 7, 9, 3], filterSize: 2, strides: 2, pad: 'valid' },
  { name: '2x2 tiled, ties inside windows', xShape: [4, 6, 6, 5], filterSize: 2, strides: 2, pad: 'valid', levels: 2 },
  { name: '3x3 tiled', xShape: [2, 9, 9, 2], filterSize: 3, strides: 3, pad: 'valid' },
  { name: 'non-square tiled', xShape: [2, 8, 9, 3], filterSize: [2, 3], strides: [2, 3], pad: 'valid' },
  { name: 'overlapping windows', xShape: [2, 7, 7, 3], filterSize: 3, strides: 2, pad: 'valid' },
  { name: 'same padding, odd size', xShape: [2, 7, 7, 3], filterSize: 2, strides: 2, pad: 'same' },
  { name: 'first pooling layer of a training batch', xShape: [16, 28, 28, 20], filterSize: 2, strides: 2, pad: 'valid', levels: 3 },
];

function poolValues(poolCase: PoolCase, seed: number): Float32Array {
  const values = seededValues(poolCase.xShape, seed);
  if (poolCase.levels === undefined) return values;
  // A ReLU output is mostly zeros: keep the negatives at 0 and round the rest to a few levels.
  return values.map((value) => Math.max(0, Math.round(value * poolCase.levels!)));
}

/** Computes the gradient of sum(maxPool(x) * weights) with respect to x on the active backend. */
function poolGradient(poolCase: PoolCase, xValues: Float32Array): Float32Array {
  return tf.tidy(() => {
    const x = tf.tensor4d(xValues, poolCase.xShape);
    const pooled = tf.maxPool(x, poolCase.filterSize, poolCase.strides, poolCase.pad);
    const weights = tf.tensor(seededValues(pooled.shape, 7), pooled.shape);
    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, poolCase.filterSize, poolCase.strides, poolCase.pad), weights)));
    return gradient(x).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmMaxPoolGrad();
});

describe('registerWasmMaxPoolGrad', () => {
  it('registers the kernel once', () => {
    const installed = tf.getKernel('MaxPoolGrad', 'wasm');

    expect(registerWasmMaxPoolGrad()).toBe(false);
    expect(tf.getKernel('MaxPoolGrad', 'wasm')).toBe(installed);
  });

  it.each(POOL_CASES)('matches cpu gradients: $name', async (poolCase) => {
    const x = poolValues(poolCase, 31);
    await tf.setBackend('cpu');
    const expected = poolGradient(poolCase, x);
    await tf.setBackend('wasm');

    const actual = poolGradient(poolCase, x);

    expect(actual).toHaveLength(expected.length);
    expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
    expect(actual.map((value) => (value === 0 ? 0 : 1))).toEqual(expected.map((value) => (value === 0 ? 0 : 1)));
  });

  it('sends each gradient to the first maximum', () => {
    const x = tf.tensor4d([5, 5, 1, 5, 0, 0, 0, 0], [1, 2, 4, 1]);

    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid'), tf.tensor4d([3, 4], [1, 1, 2, 1]))))(x);

    // Windows [5, 5 / 0, 0] and [1, 5 / 0, 0]: the tie goes to the top-left 5.
    expect(Array.from(gradient.dataSync())).toEqual([3, 0, 0, 4, 0, 0, 0, 0]);
    tf.dispose([x, gradient]);
  });

  it('leaves no tensors behind', () => {
    const x = tf.tensor4d(seededValues([2, 6, 6, 3], 5), [2, 6, 6, 3]);
    const before = tf.memory().numTensors;

    const gradient = tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(input as tf.Tensor4D, 2, 2, 'valid')))(x);

    expect(tf.memory().numTensors).toBe(before + 1);
    gradient.dispose();
    x.dispose();
  });
});
