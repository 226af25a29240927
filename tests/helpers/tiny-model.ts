import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ModelRegistry } from '../../core/registry/model-registry.js';
import type { ModelMetadata } from '../../core/registry/model-metadata.js';
import { trainAndRegister } from '../../core/training/train-and-register.js';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import { gatherImages, stratifiedSplit } from '../../core/data/split.js';
import type { LabelledImages, TrainingArgs, TrainingData } from '../../core/training/train-model.js';

/** The committed sample of Fashion-MNIST: 1,000 training and 200 test images under the official names. */
export const MINI_FASHION_MNIST_DIR = path.resolve(import.meta.dirname, '../fixtures/fashion-mnist-mini');

/** Creates an empty folder under the system temp folder; the caller removes it. */
export function makeTempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `snapclass-${prefix}-`));
}

/**
 * Trains a small model on the committed mini data set into a new temporary registry, makes it
 * production, and returns the registry and the model's metadata. Takes a few seconds.
 */
export async function trainTinyModel(
  overrides: Partial<TrainingArgs> = {},
): Promise<{ registry: ModelRegistry; metadata: ModelMetadata; root: string }> {
  const root = makeTempDir('models');
  const registry = new ModelRegistry(root);
  const metadata = await trainAndRegister({
    dataDir: MINI_FASHION_MNIST_DIR,
    expectedChecksums: null,
    training: { arch: 'mlp', epochs: 8, batchSize: 32, learningRate: 0.003, seed: 7, earlyStoppingPatience: 0, ...overrides },
    registry,
    backend: 'test',
    promote: 'always',
  });
  return { registry, metadata, root };
}

/** Loads the committed Fashion-MNIST sample as training data: its training images split 90/10 with seed 42, and its test images. */
export async function loadMiniTrainingData(): Promise<{ data: TrainingData; test: LabelledImages }> {
  const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
  const split = stratifiedSplit(dataset.train.labels, { classCount: 10, seed: 42 });
  const data: TrainingData = {
    train: gatherImages(dataset.train, split.trainIndices),
    validation: gatherImages(dataset.train, split.validationIndices),
    height: 28,
    width: 28,
    channels: 1,
    classNames: [...dataset.classNames],
  };
  return { data, test: dataset.test };
}
