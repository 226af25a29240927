import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmConv2DBackpropFilter } from '../../../core/backend/conv2d-backprop-filter-wasm.js';
import { UnsupportedKernelAttrError } from '../../../core/backend/errors.js';
import { CONV_CASES, convGradient, maxRelativeError, seededValues } from './conv-gradients.js';

const TOLERANCE = 1e-4;

let errorBeforeRegistration: unknown;

beforeAll(async () => {
  await tf.setBackend('wasm');
  try {
    tf.tidy(() => tf.grad((filter) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]) as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid')))(tf.ones([2, 2, 1, 1])));
  } catch (error) {
    errorBeforeRegistration = error;
  }
  registerWasmConv2DBackpropFilter();
});

function runBackpropFilter(x: tf.Tensor4D, dy: tf.Tensor4D, attrs: Record<string, unknown>): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as tf.NamedAttrMap) as tf.Tensor4D;
}

describe('registerWasmConv2DBackpropFilter', () => {
  it('supplies a kernel wasm lacks', () => {
    expect(String(errorBeforeRegistration)).toContain("Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'");
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('returns false when called again', () => {
    const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm');

    expect(registerWasmConv2DBackpropFilter()).toBe(false);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBe(kernel);
  });

  it.each(CONV_CASES)('matches cpu filter gradients: $name', async (convCase) => {
    const x = seededValues(convCase.xShape, 11);
    const filter = seededValues(convCase.filterShape, 12);
    await tf.setBackend('cpu');
    const expected = convGradient(convCase, x, filter, 'filter');
    await tf.setBackend('wasm');

    const actual = convGradient(convCase, x, filter, 'filter');

    expect(actual).toHaveLength(expected.length);
    expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
  });

  it('leaves no tensors behind', () => {
    const x = tf.tensor4d(seededValues([3, 8, 8, 2], 21), [3, 8, 8, 2]);
    const dy = tf.tensor4d(seededValues([3, 4, 4, 5], 22), [3, 4, 4, 5]);
    const before = tf.memory().numTensors;

    const dFilter = runBackpropFilter(x, dy, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 5] });

    expect(tf.memory().numTensors).toBe(before + 1);
    expect(dFilter.shape).toEqual([3, 3, 2, 5]);
    dFilter.dispose();
    expect(tf.memory().numTensors).toBe(before);
    // The inputs must keep their data: a kernel that dropped its reference would free them here.
    expect(x.dataSync()).toHaveLength(3 * 8 * 8 * 2);
    expect(dy.dataSync()).toHaveLength(3 * 4 * 4 * 5);
    tf.dispose([x, dy]);
    expect(tf.memory().numTensors).toBe(before - 2);
  });

  it('leaves no tensors behind under tf.grad', () => {
    const x = tf.tensor4d(seededValues([2, 6, 6, 3], 31), [2, 6, 6, 3]);
    const filter = tf.tensor4d(seededValues([3, 3, 3, 4], 32), [3, 3, 3, 4]);
    const before = tf.memory().numTensors;

    const gradient = tf.grad((kernel) => tf.sum(tf.conv2d(x, kernel as tf.Tensor4D, 1, 'same')))(filter);

    expect(tf.memory().numTensors).toBe(before + 1);
    gradient.dispose();
    tf.dispose([x, filter]);
  });

  it('rejects the NCHW data format', () => {
    const x = tf.zeros([1, 2, 5, 5]) as tf.Tensor4D;
    const dy = tf.zeros([1, 3, 3, 3]) as tf.Tensor4D;

    const run = () => runBackpropFilter(x, dy, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 2, 3] });

    expect(run).toThrow(UnsupportedKernelAttrError);
    expect(run).toThrow("supports only dataFormat 'NHWC', got 'NCHW'");
    tf.dispose([x, dy]);
  });

  it('rejects dilations above 1', () => {
    const x = tf.zeros([1, 7, 7, 1]) as tf.Tensor4D;
    const dy = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    const attrs = { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 1, 1], dilations: [2, 2] };

    expect(() => runBackpropFilter(x, dy, attrs)).toThrow('supports only dilations of 1, got [2, 2]');
    tf.dispose([x, dy]);
  });
});
