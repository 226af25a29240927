import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import { ModelRegistry } from '../../../core/registry/model-registry.js';
import { RegistryError } from '../../../core/registry/errors.js';
import { predictProbabilities } from '../../../core/serving/predict-probabilities.js';
import { MINI_FASHION_MNIST_DIR, trainTinyModel } from '../../helpers/tiny-model.js';

let registry: ModelRegistry;
let root: string;

beforeAll(async () => {
  ({ registry, root } = await trainTinyModel({ epochs: 2 }));
});

afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('ModelRegistry', () => {
  it('writes the Layers format with metadata', () => {
    const dir = path.join(root, 'v1');
    expect(fs.readdirSync(dir).sort()).toEqual(['metadata.json', 'model.json', 'reference-profile.json', 'weights.bin']);
    const metadata = registry.readMetadata('v1');
    expect(metadata.version).toBe('v1');
    expect(metadata.dataset.id).toBe('fashion-mnist');
    expect(metadata.classNames).toHaveLength(10);
    expect(metadata.files.map((file) => file.name)).toEqual(['model.json', 'weights.bin', 'reference-profile.json']);
    expect(metadata.split).toEqual({ seed: 42, validationFraction: 0.1 });
    expect(metadata.hyperparameters.arch).toBe('mlp');
    expect(typeof metadata.git.commit === 'string' || metadata.git.commit === null).toBe(true);
    expect(registry.productionVersion()).toBe('v1');
  });

  it('loads a model that predicts identically', async () => {
    const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
    const first = await registry.load('v1');
    const second = await registry.load('production');
    const params = first.metadata.preprocessing;

    const a = await predictProbabilities(first.model, dataset.test.images, dataset.test.count, params);
    const b = await predictProbabilities(second.model, dataset.test.images, dataset.test.count, params);
    expect(Array.from(b)).toEqual(Array.from(a));
    first.model.dispose();
    second.model.dispose();
  });

  it('saves and reloads without changing predictions', async () => {
    const { model, metadata } = await registry.load('v1');
    const copy = await registry.register(model, {
      dataset: metadata.dataset,
      split: metadata.split,
      preprocessing: metadata.preprocessing,
      classNames: metadata.classNames,
      architecture: metadata.architecture,
      hyperparameters: metadata.hyperparameters,
      metrics: metadata.metrics,
      backend: metadata.backend,
      trainingTimeMs: metadata.trainingTimeMs,
      git: metadata.git,
    });
    expect(copy.version).toBe('v2');
    expect(registry.list().map((entry) => [entry.version, entry.stage])).toEqual([
      ['v1', 'production'],
      ['v2', 'candidate'],
    ]);

    const reloaded = await registry.load('v2');
    const input = tf.randomUniform([4, 28, 28, 1], -1, 2, 'float32', 3);
    const before = (model.predict(input) as tf.Tensor).dataSync();
    const after = (reloaded.model.predict(input) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    input.dispose();
    model.dispose();
    reloaded.model.dispose();
  });

  it('refuses to promote a model with altered weights', async () => {
    const weights = path.join(root, 'v2', 'weights.bin');
    const bytes = fs.readFileSync(weights);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    fs.writeFileSync(weights, bytes);

    await expect(registry.promote('v2')).rejects.toMatchObject({ code: 'model_files_invalid' });
    await expect(registry.promote('v2')).rejects.toThrow(/weights\.bin does not match its recorded SHA-256/);
    expect(registry.productionVersion()).toBe('v1');
  });

  it('rejects unknown versions and broken metadata', async () => {
    expect(() => registry.resolve('v99')).toThrow(/Model version "v99" is not in the registry/);
    fs.writeFileSync(path.join(root, 'v2', 'metadata.json'), '{"version": "v2"');
    const entry = registry.list().find((item) => item.version === 'v2');
    expect(entry?.metadata).toBeNull();
    expect(entry?.error).toMatch(/metadata\.json/);
    await expect(registry.promote('v2')).rejects.toBeInstanceOf(RegistryError);
  });

  it('lists a named version whose folder is missing', () => {
    const copy = fs.mkdtempSync(path.join(root, 'missing-'));
    fs.cpSync(path.join(root, 'v1'), path.join(copy, 'v1'), { recursive: true });
    fs.writeFileSync(path.join(copy, 'registry.json'), JSON.stringify({ production: 'v3', stages: { v1: 'archived', v3: 'production' } }));

    const entries = new ModelRegistry(copy).list();

    expect(entries.map((entry) => [entry.version, entry.stage, entry.metadata === null])).toEqual([
      ['v1', 'archived', false],
      ['v3', 'production', true],
    ]);
    expect(entries[1]?.error).toBe(
      `${path.join(copy, 'registry.json')} names v3, but its folder ${path.join(copy, 'v3')} is missing: restore the folder, or promote another version.`,
    );
  });

  it('names the fix when there is no production model', () => {
    const empty = new ModelRegistry(path.join(root, 'empty'));
    expect(() => empty.resolve('production')).toThrow(/has no production model\. Train one with `npm run train`/);
  });
});
