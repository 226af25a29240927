import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../core/backend/select-backend.js';
import { loadFashionMnist, type FashionMnist } from '../../../core/data/fashion-mnist.js';
import { gatherImages, stratifiedSplit } from '../../../core/data/split.js';
import { silentLogger } from '../../../core/logger.js';
import { registerQuantizedVariant } from '../../../core/quality/quantized-variants.js';
import { chooseUint8Parameters, encodeFloat16, encodeUint8, quantizeWeights } from '../../../core/quality/quantize-weights.js';
import { compareVariants } from '../../../core/quality/variant-comparison.js';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import { predictProbabilities } from '../../../core/serving/predict-probabilities.js';
import { MINI_FASHION_MNIST_DIR, trainTinyModel } from '../../helpers/tiny-model.js';

describe('encodeFloat16', () => {
  it('writes little-endian half floats', () => {
    // 1 is 0x3C00, -2.5 is 0xC100, 0.1 rounds to 0x2E66 and 70000 overflows to +Infinity (0x7C00).
    const bytes = encodeFloat16(Float32Array.from([1, -2.5, 0.1, 70000]));
    expect(Array.from(bytes)).toEqual([0x00, 0x3c, 0x00, 0xc1, 0x66, 0x2e, 0x00, 0x7c]);
  });
});

describe('chooseUint8Parameters', () => {
  it('puts zero exactly on the code grid', () => {
    // Range [-1, 3]: scale 4/255, and -min/scale = 63.75 rounds to code 64.
    const { scale, min } = chooseUint8Parameters(-1, 3);
    expect(scale).toBeCloseTo(4 / 255, 12);
    expect(min).toBeCloseTo((-64 * 4) / 255, 12);
    expect(64 * scale + min).toBe(0);
  });

  it('widens a positive range to zero', () => {
    expect(chooseUint8Parameters(2, 4.55)).toEqual({ scale: 4.55 / 255, min: 0 });
  });

  it('gives scale one to a constant zero tensor', () => {
    expect(chooseUint8Parameters(0, 0)).toEqual({ scale: 1, min: 0 });
  });
});

describe('quantizeWeights', () => {
  const values = Float32Array.from([-1, 0, 0.5, 3, 2.99, -0.25]);
  const artifacts = {
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' as const },
      { name: 'step', shape: [1], dtype: 'int32' as const },
    ],
    weightData: concat(new Uint8Array(values.buffer), new Uint8Array(Int32Array.from([7]).buffer)),
  };

  it('decodes uint8 weights within one step', () => {
    const quantized = quantizeWeights(artifacts, 'uint8');
    const decoded = tf.io.decodeWeights(quantized.weightData, quantized.weightSpecs);
    const kernel = decoded['dense/kernel']?.dataSync() as Float32Array;
    const scale = 4 / 255;

    expect(quantized.weightData.byteLength).toBe(6 + 4);
    expect(quantized.weightSpecs[0]?.quantization).toMatchObject({ dtype: 'uint8' });
    values.forEach((value, i) => expect(Math.abs((kernel[i] as number) - value)).toBeLessThanOrEqual(scale));
    expect(kernel[1]).toBe(0);
    expect(Array.from(decoded.step?.dataSync() ?? [])).toEqual([7]);
  });

  it('decodes float16 weights to three digits', () => {
    const quantized = quantizeWeights(artifacts, 'float16');
    const decoded = tf.io.decodeWeights(quantized.weightData, quantized.weightSpecs);
    const kernel = decoded['dense/kernel']?.dataSync() as Float32Array;

    expect(quantized.weightData.byteLength).toBe(12 + 4);
    values.forEach((value, i) => expect(kernel[i]).toBeCloseTo(value, 2));
    expect(kernel[2]).toBe(0.5);
  });

  it('rejects already quantized weights', () => {
    const once = quantizeWeights(artifacts, 'uint8');
    expect(() => quantizeWeights(once, 'float16')).toThrow(/dense\/kernel is already quantized to uint8/);
  });

  it('rejects weight data that is too short', () => {
    expect(() => quantizeWeights({ ...artifacts, weightData: new ArrayBuffer(8) }, 'uint8')).toThrow(/needs bytes 0 to 24/);
  });

  it('encodes an empty tensor', () => {
    expect(encodeUint8(new Float32Array(0)).codes).toHaveLength(0);
  });
});

describe('quantized registry versions', () => {
  let registry: ModelRegistry;
  let root: string;
  let dataset: FashionMnist;
  let parentVersion: string;

  beforeAll(async () => {
    await selectBackend({ logger: silentLogger });
    const tiny = await trainTinyModel({ arch: 'cnn-fast', epochs: 3 });
    registry = tiny.registry;
    root = tiny.root;
    parentVersion = tiny.metadata.version;
    dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
    const split = stratifiedSplit(dataset.train.labels, { classCount: 10, seed: tiny.metadata.split.seed, validationFraction: tiny.metadata.split.validationFraction });
    const validation = gatherImages(dataset.train, split.validationIndices);
    for (const dtype of ['float16', 'uint8'] as const) {
      await registerQuantizedVariant({ registry, version: parentVersion, dtype, validation });
    }
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('registers variants with their parent', () => {
    const entries = registry.list();
    expect(entries.map((entry) => entry.version)).toEqual(['v1', 'v2', 'v3']);
    expect(entries[1]?.metadata?.parentVersion).toBe('v1');
    expect(entries[1]?.metadata?.quantization?.dtype).toBe('float16');
    expect(entries[2]?.metadata?.quantization?.dtype).toBe('uint8');
    expect(entries[2]?.stage).toBe('candidate');
  });

  it('copies the parent files beside the model', () => {
    const parentFiles = registry.readMetadata('v1').files;
    const variantFiles = registry.readMetadata('v3').files;
    const extra = (files: typeof parentFiles) => files.filter((file) => file.name !== 'model.json' && file.name !== 'weights.bin');
    expect(extra(parentFiles).length).toBeGreaterThan(0);
    expect(extra(variantFiles)).toEqual(extra(parentFiles));
    expect(registry.readMetadata('v3').referenceProfile).toBe(registry.readMetadata('v1').referenceProfile);
  });

  it('shrinks the weights file', () => {
    const weightBytes = (version: string) => fs.statSync(path.join(root, version, 'weights.bin')).size;
    expect(weightBytes('v2')).toBe(weightBytes('v1') / 2);
    expect(weightBytes('v3')).toBe(weightBytes('v1') / 4);
    expect(registry.readMetadata('v3').quantization?.originalWeightBytes).toBe(weightBytes('v1'));
  });

  it('loads a quantized version', async () => {
    const { model, metadata } = await registry.load('v3');
    const output = model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor;
    expect(output.shape).toEqual([1, 10]);
    expect(metadata.metrics.validation.count).toBe(100);
    tf.dispose(output);
    model.dispose();
  });

  it('agrees with the original on the test images', async () => {
    const comparison = await compareVariants({ registry, version: parentVersion, test: dataset.test, latencyRuns: 3 });
    expect(comparison.testCount).toBe(200);
    expect(comparison.original.agreement).toBe(1);
    expect(comparison.variants.map((variant) => variant.dtype)).toEqual(['float16', 'uint8']);
    for (const variant of comparison.variants) {
      expect(variant.agreement).toBeGreaterThanOrEqual(0.99);
      expect(Math.abs(variant.accuracy - comparison.original.accuracy)).toBeLessThanOrEqual(0.01);
      expect(variant.sizeBytes).toBeLessThan(comparison.original.sizeBytes);
    }
    expect(comparison.variants[0]?.maxProbabilityDifference).toBeLessThan(0.01);
  });

  it('promotes a quantized version to production', async () => {
    await registry.promote('v3');
    const { model, metadata } = await registry.load('production');
    const pixels = dataset.test.images.subarray(0, 784);
    const probabilities = await predictProbabilities(model, pixels, 1, metadata.preprocessing);
    expect(metadata.version).toBe('v3');
    expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 5);
    model.dispose();
    await registry.promote(parentVersion);
  });

  it('rejects quantizing a quantized version', async () => {
    await expect(registerQuantizedVariant({ registry, version: 'v2', dtype: 'uint8', validation: dataset.test })).rejects.toThrow(
      /v2 is already quantized to float16: quantize its parent v1 instead/,
    );
  });
});

function concat(...parts: Uint8Array[]): ArrayBuffer {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.byteLength, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return bytes.buffer;
}
