import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import type { LoadedModel } from '../../../core/registry/model-registry.js';
import type { ProbeOutput } from '../../../core/monitoring/model-probe.js';
import { PredictionService, type BatchingArgs, type OutOfDistributionCheck } from '../../../core/serving/prediction-service.js';
import { ServingMetrics } from '../../../core/serving/serving-metrics.js';
import { openDatabase, type DatabaseHandle } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../../helpers/tiny-model.js';

let loaded: LoadedModel;
let test: ImageSet;
let database: DatabaseHandle;
let store: PredictionStore;
let tempDir: string;
let modelsRoot: string;

beforeAll(async () => {
  const { registry, root } = await trainTinyModel();
  modelsRoot = root;
  loaded = await registry.load('production');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  tempDir = makeTempDir('prediction-service');
  database = openDatabase({ file: path.join(tempDir, 'snapclass.db') });
  store = new PredictionStore(database);
});

afterAll(() => {
  database?.close();
  loaded?.model.dispose();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

function pixelsOf(index: number): number[] {
  return Array.from(test.images.subarray(index * 784, (index + 1) * 784));
}

function createService(batching: BatchingArgs, metrics = new ServingMetrics({ processMetrics: false })): PredictionService {
  const service = new PredictionService({
    store,
    userSalt: 'test-salt-0123456789',
    batching,
    metrics,
    transaction: (write) => database.sqlite.transaction(write)(),
  });
  service.setModel(loaded);
  return service;
}

function countRows(): number {
  return (database.sqlite.prepare('SELECT COUNT(*) AS n FROM predictions').get() as { n: number }).n;
}

async function histogram(metrics: ServingMetrics): Promise<{ count: number; sum: number }> {
  const values = (await metrics.batchSize.get()).values;
  return {
    count: values.find((value) => value.metricName === 'snapclass_batch_size_count')?.value ?? 0,
    sum: values.find((value) => value.metricName === 'snapclass_batch_size_sum')?.value ?? 0,
  };
}

describe('PredictionService batching', () => {
  it('gives batched results equal to unbatched ones', async () => {
    const indices = Array.from({ length: 48 }, (_, i) => i);
    const singleMetrics = new ServingMetrics({ processMetrics: false });
    const batchedMetrics = new ServingMetrics({ processMetrics: false });
    const single = createService({ maxBatchSize: 1, maxWaitMs: 0 }, singleMetrics);
    const batched = createService({ maxBatchSize: 16, maxWaitMs: 20 }, batchedMetrics);

    const alone = await Promise.all(indices.map((index) => single.predict({ pixels: pixelsOf(index), source: 'test' })));
    const together = await Promise.all(indices.map((index) => batched.predict({ pixels: pixelsOf(index), source: 'test' })));

    expect(await histogram(singleMetrics)).toEqual({ count: 48, sum: 48 });
    expect(await histogram(batchedMetrics)).toEqual({ count: 3, sum: 48 });
    for (const [position, result] of together.entries()) {
      const reference = alone[position]!;
      expect(result.label).toBe(reference.label);
      expect(result.classIndex).toBe(reference.classIndex);
      expect(result.confidence).toBe(reference.confidence);
      expect(result.topK).toEqual(reference.topK);
    }
  });

  it('matches the model called directly', async () => {
    const service = createService({ maxBatchSize: 8, maxWaitMs: 5 });
    const results = await Promise.all([0, 1, 2, 3, 4].map((index) => service.predict({ pixels: pixelsOf(index), source: 'test' })));

    const direct = tf.tidy(() => {
      const input = tf.tensor4d(test.images.subarray(0, 5 * 784), [5, 28, 28, 1], 'int32').toFloat().mul(loaded.metadata.preprocessing.scale);
      const { mean, std } = loaded.metadata.preprocessing;
      return (loaded.model.predict(input.sub(mean[0]!).div(std[0]!)) as tf.Tensor2D).arraySync();
    });
    results.forEach((result, index) => {
      const row = direct[index]!;
      expect(result.classIndex).toBe(row.indexOf(Math.max(...row)));
      expect(result.confidence).toBeCloseTo(Math.max(...row), 6);
    });
  });

  it('stores one row per request', async () => {
    const service = createService({ maxBatchSize: 32, maxWaitMs: 5 });
    const before = countRows();

    const results = await Promise.all([5, 6, 7].map((index) => service.predict({ pixels: pixelsOf(index), source: 'test', userId: 'erin' })));

    expect(countRows()).toBe(before + 3);
    for (const result of results) {
      const row = store.getPrediction(result.id)!;
      expect(row.label).toBe(result.label);
      expect(row.userHash).toBe(service.hashUser('erin'));
      expect(JSON.parse(row.topK)).toEqual(result.topK);
    }
  });

  it('drops a request aborted in the queue', async () => {
    const service = createService({ maxBatchSize: 32, maxWaitMs: 100 });
    const before = countRows();
    const controller = new AbortController();

    const aborted = service.predict({ pixels: pixelsOf(8), source: 'test', signal: controller.signal });
    const kept = service.predict({ pixels: pixelsOf(9), source: 'test' });
    setTimeout(() => controller.abort(new Error('timed out')), 10);

    await expect(aborted).rejects.toMatchObject({ code: 'prediction_aborted' });
    expect((await kept).label).toBeTypeOf('string');
    expect(countRows()).toBe(before + 1);
  });

  it('keeps queued requests on their model', async () => {
    const metrics = new ServingMetrics({ processMetrics: false });
    const service = createService({ maxBatchSize: 32, maxWaitMs: 30 }, metrics);
    const renamed: LoadedModel = { model: loaded.model, metadata: { ...loaded.metadata, version: 'v2' } };

    const first = service.predict({ pixels: pixelsOf(10), source: 'test' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    service.setModel(renamed);
    const second = service.predict({ pixels: pixelsOf(10), source: 'test' });

    const [a, b] = await Promise.all([first, second]);
    expect(a.modelVersion).toBe('v1');
    expect(b.modelVersion).toBe('v2');
    expect(b.topK).toEqual(a.topK);
    // One batch, two model calls.
    expect(await histogram(metrics)).toEqual({ count: 2, sum: 2 });
    const counted = (await metrics.predictions.get()).values.map((value) => value.labels.model_version).sort();
    expect(counted).toEqual(['v1', 'v2']);
  });

  it('leaks no tensors across predictions', async () => {
    const service = createService({ maxBatchSize: 4, maxWaitMs: 1 });
    await service.predict({ pixels: pixelsOf(0), source: 'test' });
    const before = tf.memory().numTensors;

    await Promise.all([1, 2, 3, 4, 5, 6].map((index) => service.predict({ pixels: pixelsOf(index), source: 'test' })));

    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a wrong pixel count', async () => {
    const service = createService({ maxBatchSize: 4, maxWaitMs: 1 });
    await expect(service.predict({ pixels: [1, 2], source: 'test' })).rejects.toMatchObject({
      code: 'wrong_pixel_count',
      message: 'Expected 784 pixels (28x28), received 2.',
    });
  });
});

describe('PredictionService out-of-distribution check', () => {
  it('flags from the classifying model call', async () => {
    const probes: ProbeOutput[] = [];
    const check: OutOfDistributionCheck = {
      canFlagOutOfDistribution: () => true,
      flagOutOfDistribution: (_loaded, _pixels, probe) => {
        probes.push(probe);
        // Flags every second image, so each result must get the flag of its own position.
        return Array.from({ length: probe.count }, (_, index) => index % 2 === 1);
      },
    };
    const plain = createService({ maxBatchSize: 4, maxWaitMs: 5 });
    const checked = new PredictionService({ store, userSalt: 'test-salt-0123456789', batching: { maxBatchSize: 4, maxWaitMs: 5 }, outOfDistribution: check });
    checked.setModel(loaded);
    const indices = [0, 1, 2, 3];

    const expected = await Promise.all(indices.map((index) => plain.predict({ pixels: pixelsOf(index), source: 'test' })));
    const results = await Promise.all(indices.map((index) => checked.predict({ pixels: pixelsOf(index), source: 'test' })));

    expect(probes).toHaveLength(1);
    expect(probes[0]!.count).toBe(4);
    expect(probes[0]!.embeddings).toHaveLength(4 * probes[0]!.embeddingSize);
    expect(results.map((result) => result.topK)).toEqual(expected.map((result) => result.topK));
    expect(results.map((result) => result.outOfDistribution)).toEqual([false, true, false, true]);
    expect(expected.map((result) => result.outOfDistribution)).toEqual([false, false, false, false]);
  });

  it('runs the plain model until the check is ready', async () => {
    let flagCalls = 0;
    const check: OutOfDistributionCheck = {
      canFlagOutOfDistribution: () => false,
      flagOutOfDistribution: (_loaded, _pixels, probe) => {
        flagCalls++;
        return new Array<boolean>(probe.count).fill(true);
      },
    };
    const service = new PredictionService({ store, userSalt: 'test-salt-0123456789', batching: { maxBatchSize: 4, maxWaitMs: 1 }, outOfDistribution: check });
    service.setModel(loaded);

    const result = await service.predict({ pixels: pixelsOf(5), source: 'test' });

    expect(flagCalls).toBe(0);
    expect(result.outOfDistribution).toBe(false);
  });
});
