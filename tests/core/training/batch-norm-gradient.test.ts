import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { registerBatchNormGradient } from '../../../core/training/batch-norm-gradient.js';

/** Batch normalisation written with broadcasting element-wise ops, whose gradients tfjs derives itself. */
function referenceBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return x.sub(mean).mul(tf.rsqrt(variance.add(epsilon))).mul(gamma).add(beta);
}

function fusedBatchNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
}

describe('registerBatchNormGradient', () => {
  it('matches the gradients of plain ops', async () => {
    await selectBackend({ logger: silentLogger });
    registerBatchNormGradient();
    const x = tf.randomNormal([4, 5, 5, 3], 0, 2, 'float32', 1) as tf.Tensor4D;
    const gamma = tf.tensor1d([0.5, 1.5, -1]);
    const beta = tf.tensor1d([0.1, 0, -0.2]);
    const weights = tf.randomNormal([4, 5, 5, 3], 0, 1, 'float32', 2);
    const loss = (f: typeof fusedBatchNorm) => (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => f(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 1e-3).mul(weights).sum();

    const expected = tf.grads(loss(referenceBatchNorm))([x, gamma, beta]);
    const received = tf.grads(loss(fusedBatchNorm))([x, gamma, beta]);

    for (let i = 0; i < 3; i++) {
      const difference = tf.max(tf.abs(tf.sub(received[i] as tf.Tensor, expected[i] as tf.Tensor))).dataSync()[0] as number;
      expect(difference).toBeLessThan(1e-4);
    }
    tf.dispose([x, gamma, beta, weights, ...expected, ...received]);
  });
});
