import fs from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadFashionMnist } from '../../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../../core/data/image-set.js';
import { parseGateSettings } from '../../../core/lifecycle/gate-settings.js';
import { RolloutController } from '../../../core/lifecycle/rollout-controller.js';
import { RolloutStore } from '../../../core/lifecycle/rollout-store.js';
import type { ModelRegistry } from '../../../core/registry/model-registry.js';
import { PredictionService } from '../../../core/serving/prediction-service.js';
import type { DatabaseHandle } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { MINI_FASHION_MNIST_DIR } from '../../helpers/tiny-model.js';
import { trainTwoModels } from '../../api/rollout-service.js';
import { insertPredictions, openTempDatabase } from './lifecycle-fixtures.js';

let registry: ModelRegistry;
let registryRoot: string;
let test: ImageSet;
let handle: DatabaseHandle;
let dir: string;
let store: RolloutStore;
let predictions: PredictionService;
let controller: RolloutController;

beforeAll(async () => {
  ({ registry, root: registryRoot } = await trainTwoModels());
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
});

afterAll(() => {
  fs.rmSync(registryRoot, { recursive: true, force: true });
});

beforeEach(async () => {
  await registry.promote('v1');
  ({ handle, dir } = openTempDatabase());
  store = new RolloutStore(handle);
  predictions = new PredictionService({ store: new PredictionStore(handle), userSalt: 'controller-test-salt' });
  predictions.setModel(await registry.load('v1'));
  controller = new RolloutController({ store, registry, predictions, pollIntervalMs: 60_000, gateIntervalMs: 0, retiredModelGraceMs: 10 });
  await controller.start();
});

afterEach(async () => {
  await controller.stop();
  await predictions.drain();
  handle.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const pixelsOf = (index: number) => test.images.subarray(index * 784, (index + 1) * 784);
const gates = parseGateSettings({ minLabelled: 50, minRequests: 50 });
const canary = { kind: 'canary' as const, productionVersion: 'v1', candidateVersion: 'v2', gates, automatic: true };

async function versionFor(userId: string): Promise<string> {
  return (await predictions.predict({ pixels: pixelsOf(0), source: 'test', userId })).modelVersion;
}

describe('RolloutController', () => {
  it('routes a new canary without restart', async () => {
    expect(await versionFor('user-1')).toBe('v1');
    store.start({ ...canary, percent: 50 });
    await controller.sync();

    const users = Array.from({ length: 200 }, (_, i) => `user-${i}`);
    const first = await Promise.all(users.map(versionFor));
    const second = await Promise.all(users.map(versionFor));
    const share = first.filter((version) => version === 'v2').length / users.length;

    expect(second).toEqual(first);
    expect(share).toBeGreaterThan(0.35);
    expect(share).toBeLessThan(0.65);
  });

  it('promotes when every gate passes', async () => {
    const rollout = store.start({ ...canary, percent: 10 });
    insertPredictions(handle, { modelVersion: 'v2', count: 200, labelled: 100, correct: 95 });
    insertPredictions(handle, { modelVersion: 'v1', count: 200, labelled: 100, correct: 90 });
    await controller.sync();

    expect(registry.productionVersion()).toBe('v2');
    expect(predictions.model?.metadata.version).toBe('v2');
    expect(store.get(rollout.id)?.status).toBe('promoted');
    const [promoted, decision] = store.events({ rolloutId: rollout.id });
    expect(promoted?.details.previousVersion).toBe('v1');
    expect(decision?.kind).toBe('gate_decision');
    expect(decision?.message).toBe('gates: promote (accuracy pass, error_rate pass, p99_latency pass)');
    expect(decision?.details).toMatchObject({ decision: 'promote', candidate: { labelled: 100, correct: 95 }, production: { labelled: 100, correct: 90 } });
    expect(await versionFor('anyone')).toBe('v2');
  });

  it('rolls back when accuracy fails', async () => {
    const rollout = store.start({ ...canary, percent: 100 });
    await controller.sync();
    expect(await versionFor('user-1')).toBe('v2');

    insertPredictions(handle, { modelVersion: 'v2', count: 200, labelled: 100, correct: 60 });
    insertPredictions(handle, { modelVersion: 'v1', count: 200, labelled: 100, correct: 90 });
    await controller.sync();

    expect(store.get(rollout.id)?.status).toBe('rolled_back');
    expect(store.get(rollout.id)?.endReason).toMatch(/^v2 rolled back: gate failed: accuracy 0.6000 \(60\/100\) vs production 0.9000 \(90\/100\): worse by more than 0.02/);
    expect(registry.productionVersion()).toBe('v1');
    expect(registry.list().find((entry) => entry.version === 'v2')?.stage).toBe('archived');
    expect(await versionFor('user-1')).toBe('v1');
  });

  it('rolls back on failed requests', async () => {
    const rollout = store.start({ ...canary, percent: 10 });
    insertPredictions(handle, { modelVersion: 'v2', count: 60 });
    insertPredictions(handle, { modelVersion: 'v1', count: 60 });
    for (let i = 0; i < 3; i++) store.incrementErrors(rollout.id, 'v2');
    await controller.sync();

    expect(store.get(rollout.id)?.status).toBe('rolled_back');
    expect(store.get(rollout.id)?.endReason).toContain('error rate 0.0476 (3/63) is above the limit 0.01');
  });

  it('leaves a manual canary running', async () => {
    const rollout = store.start({ ...canary, percent: 10, automatic: false });
    insertPredictions(handle, { modelVersion: 'v2', count: 200, labelled: 100, correct: 60 });
    insertPredictions(handle, { modelVersion: 'v1', count: 200, labelled: 100, correct: 90 });
    await controller.sync();

    expect(store.get(rollout.id)?.status).toBe('active');
    expect(controller.gateDecision?.decision).toBe('rollback');
    expect(store.events({ rolloutId: rollout.id, kinds: ['gate_decision'] })).toHaveLength(1);
  });

  it('resumes the rollout after a restart', async () => {
    store.start({ ...canary, percent: 100 });
    await controller.stop();
    const restarted = new RolloutController({ store: new RolloutStore(handle), registry, predictions, pollIntervalMs: 60_000 });
    await restarted.start();
    try {
      expect(restarted.router.active?.candidateVersion).toBe('v2');
      expect(await versionFor('user-1')).toBe('v2');
    } finally {
      await restarted.stop();
    }
  });

  it('stops a rollout whose model cannot load', async () => {
    const rollout = store.start({ ...canary, candidateVersion: 'v9', percent: 10 });
    await controller.sync();
    expect(store.get(rollout.id)?.status).toBe('stopped');
    expect(store.get(rollout.id)?.endReason).toContain('cannot load the models of rollout');
    expect(await versionFor('user-1')).toBe('v1');
  });

  it('serves a version promoted in the registry', async () => {
    await registry.promote('v2');
    await controller.sync();
    expect(predictions.model?.metadata.version).toBe('v2');
  });
});
