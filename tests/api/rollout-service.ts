import fs from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { loadServiceConfig } from '../../core/config.js';
import { RolloutStore } from '../../core/lifecycle/rollout-store.js';
import { silentLogger } from '../../core/logger.js';
import type { ModelRegistry } from '../../core/registry/model-registry.js';
import { openDatabase, type DatabaseHandle } from '../../db/open-database.js';
import { startService, type RunningService, type StartServiceArgs } from '../../api/service.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';

/** Production v1 and candidate v2, both tiny models of the mini data set, in one temporary registry. */
export interface TwoModelRegistry {
  registry: ModelRegistry;
  root: string;
}

/**
 * Trains v1 (production) and registers v2, a copy of v1 with its last layer's bias shifted
 * towards class `Bag`, so the two versions answer some images differently. Training once keeps
 * the tests fast on a busy machine.
 */
export async function trainTwoModels(): Promise<TwoModelRegistry> {
  const { registry, root } = await trainTinyModel();
  await registerShiftedCopy(registry, 'v1', 8, 0.5);
  return { registry, root };
}

/** Registers a copy of `version` whose output bias for class `classIndex` is raised by `shift`. */
export async function registerShiftedCopy(registry: ModelRegistry, version: string, classIndex: number, shift: number): Promise<string> {
  const { model, metadata } = await registry.load(version);
  const weights = model.getWeights();
  const bias = weights[weights.length - 1]!;
  const values = bias.dataSync().slice();
  values[classIndex] = (values[classIndex] as number) + shift;
  model.setWeights([...weights.slice(0, -1), tf.tensor(values, bias.shape)]);

  const { version: _version, createdAt: _createdAt, files: _files, ...rest } = metadata;
  const profileName = metadata.referenceProfile;
  const extraFiles = profileName ? [{ name: profileName, content: fs.readFileSync(path.join(registry.root, version, profileName)) }] : [];
  const registered = await registry.register(model, { ...rest, parentVersion: version }, extraFiles);
  model.dispose();
  return registered.version;
}

/** A running service on 127.0.0.1 port 0 and a second database connection, as the command line has. */
export interface RolloutTestService {
  service: RunningService;
  /** The rollout table through its own connection, as `npm run models` writes it. */
  cli: RolloutStore;
  test: ImageSet;
  pixelsOf(index: number): Uint8Array;
  /** Sends pixels as JSON and returns the status and body. */
  predict(index: number, userId?: string): Promise<{ status: number; body: Record<string, unknown>; ms: number }>;
  getRollout(): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** Starts the service on `models` with a fast rollout poll; `rollouts` overrides its settings. */
export async function startRolloutService(models: TwoModelRegistry, rollouts: StartServiceArgs['rollouts'] = {}): Promise<RolloutTestService> {
  const tempDir = makeTempDir('rollout-api');
  const dbFile = path.join(tempDir, 'snapclass.db');
  const config = { ...loadServiceConfig({}), port: 0, dbFile, modelsDir: models.root };
  const service = await startService({ config, registry: models.registry, logger: silentLogger, rollouts: { pollIntervalMs: 50, gateIntervalMs: 0, ...rollouts } });
  const cliHandle: DatabaseHandle = openDatabase({ file: dbFile });
  const test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  const pixelsOf = (index: number) => test.images.subarray(index * 784, (index + 1) * 784);

  return {
    service,
    cli: new RolloutStore(cliHandle),
    test,
    pixelsOf,
    async predict(index, userId) {
      const started = performance.now();
      const response = await fetch(`${service.url}/v1/predictions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pixels: Array.from(pixelsOf(index)), userId, source: 'test' }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      return { status: response.status, body, ms: performance.now() - started };
    },
    async getRollout() {
      const response = await fetch(`${service.url}/v1/rollout`);
      return (await response.json()) as Record<string, unknown>;
    },
    async stop() {
      cliHandle.close();
      await service.close();
      fs.rmSync(tempDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once `check` returns true, polling every 20 ms; throws after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
