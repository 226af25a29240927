import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import { silentLogger } from '../../../core/logger.js';
import type { LoadedModel } from '../../../core/registry/model-registry.js';
import { ModelWorker, loadModelWorkerSetting } from '../../../core/serving/model-worker.js';
import { PredictionService } from '../../../core/serving/prediction-service.js';
import { predictProbabilities } from '../../../core/serving/predict-probabilities.js';
import { openDatabase, type DatabaseHandle } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../../helpers/tiny-model.js';

let loaded: LoadedModel;
let test: ImageSet;
let modelsRoot: string;
let tempDir: string;
let database: DatabaseHandle;
const workers: ModelWorker[] = [];

beforeAll(async () => {
  const trained = await trainTinyModel();
  modelsRoot = trained.root;
  loaded = await trained.registry.load('production');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  tempDir = makeTempDir('model-worker');
  database = openDatabase({ file: path.join(tempDir, 'snapclass.db') });
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.close()));
  database?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

function createWorker(modelsDir = modelsRoot): ModelWorker {
  const worker = new ModelWorker({ modelsDir, backend: tf.getBackend(), logger: silentLogger });
  workers.push(worker);
  return worker;
}

function createService(modelWorker: ModelWorker): PredictionService {
  const service = new PredictionService({ store: new PredictionStore(database), userSalt: 'test-salt-0123456789', batching: { maxBatchSize: 8, maxWaitMs: 5 }, modelWorker });
  service.setModel(loaded);
  return service;
}

function pixelsOf(index: number): number[] {
  return Array.from(test.images.subarray(index * 784, (index + 1) * 784));
}

describe('ModelWorker', () => {
  it('matches the in-process probabilities', async () => {
    const count = 12;
    const pixels = test.images.slice(0, count * 784);
    const expected = await predictProbabilities(loaded.model, pixels, count, loaded.metadata.preprocessing, count);

    const output = await createWorker().run('v1', pixels, count, false);

    expect(output.probabilities).toHaveLength(count * 10);
    expect(Array.from(output.probabilities)).toEqual(Array.from(expected));
    expect(output.embeddings).toBeNull();
  });

  it('returns embeddings when requested', async () => {
    const output = await createWorker().run('v1', test.images.slice(0, 3 * 784), 3, true);

    expect(output.embeddingSize).toBeGreaterThan(0);
    expect(output.embeddings).toHaveLength(3 * output.embeddingSize);
    expect(output.probabilities).toHaveLength(30);
  });

  it('rejects a version missing from the registry', async () => {
    const worker = createWorker();

    await expect(worker.run('v9', new Uint8Array(784), 1, false)).rejects.toMatchObject({ code: 'model_worker_failed', message: expect.stringContaining('v9') });
    await expect(worker.run('v1', new Uint8Array(784), 1, false)).resolves.toMatchObject({ embeddings: null });
  });

  it('restarts after the worker stops', async () => {
    const worker = createWorker();
    await worker.warmUp('v1', 784);
    const running = worker.run('v1', new Uint8Array(784), 1, false);

    await worker.close();

    await expect(running).rejects.toMatchObject({ code: 'model_worker_failed', message: expect.stringContaining('v1 got no output') });
    const output = await worker.run('v1', new Uint8Array(2 * 784), 2, false);
    expect(output.probabilities).toHaveLength(20);
  });
});

describe('PredictionService with a model worker', () => {
  it('gives results equal to the main thread', async () => {
    const indices = [0, 1, 2, 3, 4, 5];
    const inThread = new PredictionService({ store: new PredictionStore(database), userSalt: 'test-salt-0123456789', batching: { maxBatchSize: 8, maxWaitMs: 5 } });
    inThread.setModel(loaded);

    const inWorker = createService(createWorker());

    const expected = await Promise.all(indices.map((index) => inThread.predict({ pixels: pixelsOf(index), source: 'test' })));
    const results = await Promise.all(indices.map((index) => inWorker.predict({ pixels: pixelsOf(index), source: 'test' })));

    expect(results.map((result) => result.topK)).toEqual(expected.map((result) => result.topK));
    expect(results.map((result) => result.label)).toEqual(expected.map((result) => result.label));
  });

  it('runs on the main thread when the worker fails', async () => {
    // The worker's registry folder is empty, so it cannot load v1.
    const emptyModels = path.join(tempDir, 'empty-models');
    fs.mkdirSync(emptyModels, { recursive: true });
    const service = createService(createWorker(emptyModels));

    const result = await service.predict({ pixels: pixelsOf(7), source: 'test' });

    expect(result.modelVersion).toBe('v1');
    expect(result.topK).toHaveLength(3);
    const stored = database.sqlite.prepare('SELECT COUNT(*) AS n FROM predictions WHERE id = ?').get(result.id) as { n: number };
    expect(stored.n).toBe(1);
  });
});

describe('loadModelWorkerSetting', () => {
  it('reads on, off and unset', () => {
    expect(loadModelWorkerSetting({ SNAPCLASS_MODEL_WORKER: 'on' })).toBe(true);
    expect(loadModelWorkerSetting({ SNAPCLASS_MODEL_WORKER: 'off' })).toBe(false);
    expect(loadModelWorkerSetting({})).toBe(false);
  });

  it('rejects other values by name', () => {
    expect(() => loadModelWorkerSetting({ SNAPCLASS_MODEL_WORKER: 'yes' })).toThrow('SNAPCLASS_MODEL_WORKER="yes" is invalid: it must be on or off.');
  });
});
