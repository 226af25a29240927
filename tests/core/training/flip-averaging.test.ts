import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { selectBackend } from '../../../core/backend/select-backend.js';
import { silentLogger } from '../../../core/logger.js';
import { probeModel } from '../../../core/monitoring/model-probe.js';
import { buildModel } from '../../../core/training/architectures.js';
import { unwrappedWeights, wrapWithFlipAveraging } from '../../../core/training/flip-averaging.js';
import { loadMiniTrainingData } from '../../helpers/tiny-model.js';

const PREPROCESSING = { height: 28, width: 28, channels: 1, scale: 1 / 255, mean: [0], std: [1] };

let images: tf.Tensor4D;

function mirror(batch: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(batch, 2);
}

function maxAbsoluteDifference(left: tf.Tensor, right: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(left, right))).dataSync()[0] as number);
}

beforeAll(async () => {
  await selectBackend({ logger: silentLogger });
  const { data } = await loadMiniTrainingData();
  images = tf.tidy(() => tf.tensor4d(data.train.images.slice(0, 8 * 784), [8, 28, 28, 1], 'float32').div(255) as tf.Tensor4D);
});

describe('wrapWithFlipAveraging', () => {
  it('gives an image and its mirror one answer', () => {
    const wrapped = wrapWithFlipAveraging(buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 3, batchNorm: true }));

    const direct = wrapped.predict(images) as tf.Tensor;
    const mirrored = wrapped.predict(mirror(images)) as tf.Tensor;

    expect(maxAbsoluteDifference(direct, mirrored)).toBeLessThan(1e-6);
    tf.dispose([direct, mirrored]);
  });

  it('averages the head inputs of both images', () => {
    const plain = buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 4 });
    const penultimate = tf.model({ inputs: plain.inputs, outputs: plain.layers.at(-2)!.output as tf.SymbolicTensor });
    const [kernel, bias] = plain.layers.at(-1)!.getWeights() as [tf.Tensor2D, tf.Tensor1D];
    const expected = tf.tidy(() => {
      const averaged = tf.div(tf.add(penultimate.predict(images) as tf.Tensor2D, penultimate.predict(mirror(images)) as tf.Tensor2D), 2);
      return tf.softmax(tf.add(tf.matMul(averaged, kernel), bias));
    });

    const actual = wrapWithFlipAveraging(plain).predict(images) as tf.Tensor;

    expect(actual.shape).toEqual([8, 10]);
    expect(maxAbsoluteDifference(actual, expected)).toBeLessThan(1e-5);
    tf.dispose([actual, expected]);
  });

  it('predicts the same after a save and load', async () => {
    const wrapped = wrapWithFlipAveraging(buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 5, batchNorm: true }));
    let saved: tf.io.ModelArtifacts | undefined;
    await wrapped.save(tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }));

    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const before = wrapped.predict(images) as tf.Tensor;
    const after = loaded.predict(images) as tf.Tensor;

    expect(maxAbsoluteDifference(before, after)).toBe(0);
    tf.dispose([before, after]);
  });

  it('gives back the plain weights in order', () => {
    const plain = buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 6, batchNorm: true });
    const fresh = buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 7, batchNorm: true });

    fresh.setWeights(unwrappedWeights(wrapWithFlipAveraging(plain)));
    const expected = plain.predict(images) as tf.Tensor;
    const actual = fresh.predict(images) as tf.Tensor;

    expect(maxAbsoluteDifference(actual, expected)).toBe(0);
    expect(unwrappedWeights(plain)).toHaveLength(plain.getWeights().length);
    tf.dispose([expected, actual]);
  });

  it('exposes the averaged embedding to the probe', async () => {
    const wrapped = wrapWithFlipAveraging(buildModel('cnn-fast', { inputShape: [28, 28, 1], classCount: 10, seed: 8 }));
    const pixels = Uint8Array.from(tf.tidy(() => tf.mul(images, 255).round().dataSync()));

    const probe = await probeModel(wrapped, pixels, 8, PREPROCESSING);
    const predicted = wrapped.predict(images) as tf.Tensor;

    expect(probe.embeddingSize).toBe(64);
    expect(probe.classCount).toBe(10);
    expect(maxAbsoluteDifference(tf.tensor2d(probe.probabilities, [8, 10]), predicted)).toBeLessThan(1e-5);
    predicted.dispose();
  });

  it('rejects a model without a softmax head', () => {
    const model = tf.sequential({ name: 'regressor', layers: [tf.layers.flatten({ inputShape: [28, 28, 1] }), tf.layers.dense({ units: 1 })] });

    expect(() => wrapWithFlipAveraging(model)).toThrow('Flip averaging needs a model whose last layer is a softmax Dense layer, but regressor ends with Dense.');
  });
});
