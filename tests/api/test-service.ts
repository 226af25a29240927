import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { loadServiceConfig, type ServiceConfig } from '../../core/config.js';
import { argmax } from '../../core/evaluation/metrics.js';
import { silentLogger } from '../../core/logger.js';
import type { LoadedModel, ModelRegistry } from '../../core/registry/model-registry.js';
import { predictProbabilities } from '../../core/serving/predict-probabilities.js';
import { startService, type RunningService } from '../../api/service.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';

/** A service on port 0 with a tiny model and a temporary database, and what tests check it with. */
export interface TestService {
  service: RunningService;
  registry: ModelRegistry;
  dbFile: string;
  test: ImageSet;
  classNames: string[];
  /** The 784 pixels of a mini test set image. */
  pixelsOf(index: number): Uint8Array;
  /** The label that the model predicts in process for a mini test set image. */
  expectedLabel(index: number): string;
  countRows(table: 'predictions' | 'feedback'): number;
  /** Opens the database read-only on a second connection, as an operator would. */
  readDatabase<T>(read: (db: Database.Database) => T): T;
  stop(): Promise<void>;
}

/**
 * Trains the tiny model, starts the real service on 127.0.0.1 port 0 with the default
 * configuration plus `overrides`, and computes the in-process label of every mini test image.
 */
export async function startTestService(overrides: Partial<ServiceConfig> = {}): Promise<TestService> {
  const { registry, root } = await trainTinyModel();
  const tempDir = makeTempDir('api');
  const dbFile = path.join(tempDir, 'snapclass.db');
  const config: ServiceConfig = { ...loadServiceConfig({}), port: 0, dbFile, modelsDir: root, ...overrides };
  const service = await startService({ config, registry, logger: silentLogger });

  const dataset = await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null });
  const test = dataset.test;
  const labels = await predictLabels(service.predictions.model!, test.images, test.count);

  const readDatabase = <T>(read: (db: Database.Database) => T): T => {
    const db = new Database(dbFile, { readonly: true });
    try {
      return read(db);
    } finally {
      db.close();
    }
  };

  return {
    service,
    registry,
    dbFile,
    test,
    classNames: [...dataset.classNames],
    pixelsOf: (index) => test.images.subarray(index * 784, (index + 1) * 784),
    expectedLabel: (index) => labels[index] as string,
    countRows: (table) => readDatabase((db) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n),
    readDatabase,
    async stop() {
      await service.close();
      fs.rmSync(tempDir, { recursive: true, force: true });
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Labels that a loaded model predicts in process for `count` images of 8-bit pixels. */
export async function predictLabels(loaded: LoadedModel, pixels: Uint8Array, count: number): Promise<string[]> {
  const classCount = loaded.metadata.classNames.length;
  const probabilities = await predictProbabilities(loaded.model, pixels, count, loaded.metadata.preprocessing);
  return Array.from({ length: count }, (_, i) => loaded.metadata.classNames[argmax(probabilities, i * classCount, classCount)] as string);
}
