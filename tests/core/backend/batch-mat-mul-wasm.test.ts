import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { beforeAll, describe, expect, it } from 'vitest';

import { registerWasmBatchMatMul } from '../../../core/backend/batch-mat-mul-wasm.js';
import { maxRelativeError, seededValues } from './conv-gradients.js';

const TOLERANCE = 1e-5;

interface ProductCase {
  name: string;
  aShape: number[];
  bShape: number[];
  transposeA: boolean;
  transposeB: boolean;
}

const PRODUCT_CASES: ProductCase[] = [
  { name: 'no flags', aShape: [5, 7], bShape: [7, 3], transposeA: false, transposeB: false },
  { name: 'transposeA, a dense weight gradient', aShape: [64, 30], bShape: [64, 10], transposeA: true, transposeB: false },
  { name: 'transposeB, a dense input gradient', aShape: [64, 10], bShape: [30, 10], transposeA: false, transposeB: true },
  { name: 'both flags', aShape: [6, 4], bShape: [5, 6], transposeA: true, transposeB: true },
  { name: 'batched, transposeA', aShape: [3, 6, 4], bShape: [3, 6, 5], transposeA: true, transposeB: false },
  { name: 'batched with broadcast, transposeB', aShape: [2, 3, 4, 5], bShape: [1, 6, 5], transposeA: false, transposeB: true },
];

function product(productCase: ProductCase): Float32Array {
  return tf.tidy(() => {
    const a = tf.tensor(seededValues(productCase.aShape, 11), productCase.aShape);
    const b = tf.tensor(seededValues(productCase.bShape, 12), productCase.bShape);
    return tf.matMul(a, b, productCase.transposeA, productCase.transposeB).dataSync() as Float32Array;
  });
}

beforeAll(async () => {
  await tf.setBackend('wasm');
  registerWasmBatchMatMul();
});

describe('registerWasmBatchMatMul', () => {
  it('registers the kernel once', () => {
    const installed = tf.getKernel('BatchMatMul', 'wasm');

    expect(registerWasmBatchMatMul()).toBe(false);
    expect(tf.getKernel('BatchMatMul', 'wasm')).toBe(installed);
  });

  it.each(PRODUCT_CASES)('matches cpu products: $name', async (productCase) => {
    await tf.setBackend('cpu');
    const expected = product(productCase);
    await tf.setBackend('wasm');

    const actual = product(productCase);

    expect(actual).toHaveLength(expected.length);
    expect(maxRelativeError(actual, expected)).toBeLessThan(TOLERANCE);
  });

  it('matches cpu dense layer gradients', async () => {
    const gradients = () =>
      tf.tidy(() => {
        const x = tf.tensor2d(seededValues([8, 12], 21), [8, 12]);
        const w = tf.tensor2d(seededValues([12, 4], 22), [12, 4]);
        const loss = (input: tf.Tensor, weights: tf.Tensor) => tf.sum(tf.square(tf.matMul(input, weights)));
        const [dx, dw] = tf.grads(loss)([x, w]);
        return [dx!.dataSync() as Float32Array, dw!.dataSync() as Float32Array];
      });
    await tf.setBackend('cpu');
    const [expectedDx, expectedDw] = gradients();
    await tf.setBackend('wasm');

    const [actualDx, actualDw] = gradients();

    expect(maxRelativeError(actualDx!, expectedDx!)).toBeLessThan(TOLERANCE);
    expect(maxRelativeError(actualDw!, expectedDw!)).toBeLessThan(TOLERANCE);
  });

  it('leaves no tensors behind', () => {
    const a = tf.tensor2d(seededValues([6, 4], 1), [6, 4]);
    const b = tf.tensor2d(seededValues([6, 3], 2), [6, 3]);
    const before = tf.memory().numTensors;

    const result = tf.matMul(a, b, true, false);

    expect(tf.memory().numTensors).toBe(before + 1);
    expect(result.shape).toEqual([4, 3]);
    tf.dispose([a, b, result]);
  });
});
