import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import { DataValidationError } from '../../../core/data/validation/errors.js';
import { LifecycleError } from '../../../core/lifecycle/errors.js';
import { LINEAGE_FILE, retrainModel, type Lineage } from '../../../core/lifecycle/retraining/retrain-model.js';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import type { DatabaseHandle } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { MINI_FASHION_MNIST_DIR, trainTinyModel } from '../../helpers/tiny-model.js';
import { openTempDatabase } from './lifecycle-fixtures.js';

let registry: ModelRegistry;
let root: string;
let test: ImageSet;
let classNames: string[];

beforeAll(async () => {
  ({ registry, root } = await trainTinyModel());
  const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
  test = dataset.test;
  classNames = [...dataset.classNames];
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

/** Stores a prediction of `pixels` with feedback naming `label`, `second` seconds into 2030. */
function storeLabelled(store: PredictionStore, id: string, pixels: Uint8Array, label: string, second: number): void {
  const createdAt = new Date(Date.UTC(2030, 0, 1, 0, 0, second)).toISOString();
  store.insertPrediction({ id, createdAt, source: 'test', userHash: 'u', modelVersion: 'v1', inputSha256: '0'.repeat(64), inputPixels: Buffer.from(pixels), label: 'Bag', classIndex: 8, confidence: 0.5, topK: '[]', latencyMs: 3 });
  store.upsertFeedback({ predictionId: id, userHash: 'u', source: 'test', verdict: 'incorrect', label });
}

const inverted = (index: number) => test.images.subarray(index * 784, (index + 1) * 784).map((value) => 255 - value);
const original = (index: number) => test.images.slice(index * 784, (index + 1) * 784);
const quick = { epochs: 1, batchSize: 32 };

function withDatabase<T>(fill: (store: PredictionStore) => void, run: (handle: DatabaseHandle) => Promise<T>): Promise<T> {
  const { handle, dir } = openTempDatabase();
  fill(new PredictionStore(handle));
  return run(handle).finally(() => {
    handle.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
}

describe('retrainModel', () => {
  it('registers a candidate with its lineage', async () => {
    const { metadata, lineage } = await withDatabase(
      (store) => {
        for (let i = 0; i < 100; i++) storeLabelled(store, `drifted-${i}`, inverted(i), classNames[test.labels[i]!]!, i);
        for (let i = 0; i < 5; i++) storeLabelled(store, `leak-${i}`, original(100 + i), classNames[test.labels[100 + i]!]!, 200 + i);
        for (let i = 0; i < 3; i++) storeLabelled(store, `repeat-${i}`, inverted(i), classNames[test.labels[i]!]!, 300 + i);
      },
      (database) => retrainModel({ registry, database, dataset: { kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, expectedChecksums: null, training: quick, productionWeight: 2, backend: 'test' }),
    );

    expect(metadata.version).toBe('v2');
    expect(metadata.parentVersion).toBe('v1');
    expect(registry.productionVersion()).toBe('v1');
    expect(metadata.files.map((file) => file.name)).toContain(LINEAGE_FILE);
    const saved = JSON.parse(fs.readFileSync(path.join(root, 'v2', LINEAGE_FILE), 'utf8')) as Lineage;
    expect(saved).toEqual(JSON.parse(JSON.stringify(lineage)));

    expect(lineage.data.production).toMatchObject({ received: 108, fromFeedback: 108, droppedLeakage: 5, droppedDuplicates: 3, holdout: 20, validation: 8, train: 72, productionWeight: 2 });
    expect(lineage.data.production.from).toBe('2030-01-01T00:00:00.000Z');
    expect(lineage.evaluation.productionHoldout).toMatchObject({ count: 20, from: '2030-01-01T00:01:20.000Z', to: '2030-01-01T00:01:39.000Z' });
    expect(lineage.data.base).toMatchObject({ train: 900, validation: 100, test: 200 });
    expect(lineage.evaluation.test.count).toBe(200);
    expect(lineage.evaluation.test.candidate?.accuracy).toBeGreaterThan(0);
    expect(lineage.evaluation.test.parent?.accuracy).toBeGreaterThan(0);
    expect(lineage).toMatchObject({ parentVersion: 'v1', warmStart: true, labelNoise: 0 });
    expect(lineage.training).toMatchObject({ arch: 'mlp', epochs: 1, learningRate: 0.0003 });
  });

  it("starts from the parent's weights", async () => {
    const { lineage } = await withDatabase(
      (store) => {
        for (let i = 0; i < 60; i++) storeLabelled(store, `warm-${i}`, inverted(i), classNames[test.labels[i]!]!, i);
      },
      (database) => retrainModel({ registry, database, dataset: { kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, expectedChecksums: null, training: { ...quick, learningRate: 1e-9 }, backend: 'test' }),
    );
    // Adam moves each weight by about the learning rate per step, so 1e-9 leaves the parent's answers as they were.
    expect(lineage.evaluation.test.candidate?.accuracy).toBe(lineage.evaluation.test.parent?.accuracy);
    expect(lineage.evaluation.productionHoldout.candidate?.accuracy).toBe(lineage.evaluation.productionHoldout.parent?.accuracy);
  });

  it('stops on conflicting feedback labels', async () => {
    const before = registry.list().length;
    const attempt = withDatabase(
      (store) => {
        for (let i = 0; i < 60; i++) storeLabelled(store, `a-${i}`, inverted(i), classNames[0]!, i);
        for (let i = 0; i < 20; i++) storeLabelled(store, `b-${i}`, inverted(i), classNames[1]!, 100 + i);
      },
      (database) => retrainModel({ registry, database, dataset: { kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, expectedChecksums: null, training: quick, holdoutFraction: 0, backend: 'test' }),
    );
    await expect(attempt).rejects.toThrow(DataValidationError);
    await expect(attempt).rejects.toThrow(/conflicting_labels/);
    expect(registry.list()).toHaveLength(before);
  });

  it('requires enough production images', async () => {
    const attempt = withDatabase(
      (store) => {
        for (let i = 0; i < 10; i++) storeLabelled(store, `few-${i}`, inverted(i), classNames[test.labels[i]!]!, i);
      },
      (database) => retrainModel({ registry, database, dataset: { kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, expectedChecksums: null, training: quick, backend: 'test' }),
    );
    await expect(attempt).rejects.toThrow(LifecycleError);
    await expect(attempt).rejects.toThrow('Only 10 labelled production images are usable (of 10 read); retraining needs 50.');
  });
});
