import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmConv2DBackpropInput } from '../../../core/backend/conv2d-backprop-input-wasm.js';
import { UnsupportedKernelAttrError } from '../../../core/backend/errors.js';
import { CONV_CASES, convGradient, maxRelativeError, seededValues } from './conv-gradients.js';

const TOLERANCE = 1e-4;

let builtInKernel: tf.KernelConfig | undefined;

beforeAll(async () => {
  await tf.setBackend('wasm');
  builtInKernel = tf.getKernel('Conv2DBackpropInput', 'wasm');
  registerWasmConv2DBackpropInput();
});

function runBackpropInput(dy: tf.Tensor4D, filter: tf.Tensor4D, attrs: Record<string, unknown>): tf.Tensor4D {
  return tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as tf.NamedAttrMap) as tf.Tensor4D;
}

describe('registerWasmConv2DBackpropInput', () => {
  it('replaces the built-in kernel once', () => {
    const installed = tf.getKernel('Conv2DBackpropInput', 'wasm');

    expect(builtInKernel).toBeDefined();
    expect(installed?.kernelFunc).not.toBe(builtInKernel?.kernelFunc);
    expect(registerWasmConv2DBackpropInput()).toBe(false);
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')).toBe(installed);
  });

  it.each(CONV_CASES)('matches cpu input gradients: $name', async (convCase) => {
    const x = seededValues(convCase.xShape, 41);
    const filter = seededValues(convCase.filterShape, 42);
    await tf.setBackend('cpu');
    const expected = convGradient(convCase, x, filter, 'x');
    await tf.setBackend('wasm');

    const actual = convGradient(convCase, x, filter, 'x');

    expect(actual).toHaveLength(expected.length);
    expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
  });

  it('matches conv2dTranspose on cpu', async () => {
    const dyValues = seededValues([2, 5, 5, 4], 51);
    const filterValues = seededValues([3, 3, 2, 4], 52);
    const transpose = () =>
      tf.tidy(() => {
        const dy = tf.tensor4d(dyValues, [2, 5, 5, 4]);
        const filter = tf.tensor4d(filterValues, [3, 3, 2, 4]);
        return tf.conv2dTranspose(dy, filter, [2, 10, 10, 2], 2, 'same').dataSync() as Float32Array;
      });
    await tf.setBackend('cpu');
    const expected = transpose();
    await tf.setBackend('wasm');

    const actual = transpose();

    expect(actual).toHaveLength(2 * 10 * 10 * 2);
    expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
  });

  it('leaves no tensors behind', () => {
    const dy = tf.tensor4d(seededValues([3, 4, 4, 5], 61), [3, 4, 4, 5]);
    const filter = tf.tensor4d(seededValues([3, 3, 2, 5], 62), [3, 3, 2, 5]);
    const before = tf.memory().numTensors;

    const dx = runBackpropInput(dy, filter, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [3, 8, 8, 2] });

    expect(tf.memory().numTensors).toBe(before + 1);
    expect(dx.shape).toEqual([3, 8, 8, 2]);
    dx.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(dy.dataSync()).toHaveLength(3 * 4 * 4 * 5);
    expect(filter.dataSync()).toHaveLength(3 * 3 * 2 * 5);
    tf.dispose([dy, filter]);
  });

  it('rejects the NCHW data format', () => {
    const dy = tf.zeros([1, 3, 3, 3]) as tf.Tensor4D;
    const filter = tf.zeros([3, 3, 2, 3]) as tf.Tensor4D;

    const run = () => runBackpropInput(dy, filter, { strides: 1, pad: 'valid', dataFormat: 'NCHW', inputShape: [1, 2, 5, 5] });

    expect(run).toThrow(UnsupportedKernelAttrError);
    expect(run).toThrow("supports only dataFormat 'NHWC', got 'NCHW'");
    tf.dispose([dy, filter]);
  });
});
