import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_GATE_SETTINGS } from '../../core/lifecycle/gate-settings.js';
import { startRolloutService, trainTwoModels, waitFor, type RolloutTestService, type TwoModelRegistry } from './rollout-service.js';

// Eight clients send requests without pause over real HTTP while production is swapped in the
// registry, a canary starts and ends, and production is swapped back. No request may fail.

let models: TwoModelRegistry;
let api: RolloutTestService;

beforeAll(async () => {
  models = await trainTwoModels();
  api = await startRolloutService(models, { retiredModelGraceMs: 200 });
});

afterAll(async () => {
  await api.stop();
  fs.rmSync(models.root, { recursive: true, force: true });
});

it('drops no request during model swaps', async () => {
  const results: { status: number; version: unknown; at: number }[] = [];
  let running = true;
  const clients = Array.from({ length: 8 }, async (_, client) => {
    for (let i = 0; running && i < 5000; i++) {
      const response = await api.predict((client * 7 + i) % 200, `swap-user-${client}-${i % 13}`);
      results.push({ status: response.status, version: response.body.modelVersion, at: performance.now() });
    }
  });
  const served = () => api.service.predictions.model?.metadata.version;
  const sent = () => results.length;

  await waitFor(() => sent() >= 50, 20_000);
  await models.registry.promote('v2');
  await waitFor(() => served() === 'v2');
  const afterFirstSwap = sent();

  await waitFor(() => sent() >= afterFirstSwap + 50, 20_000);
  const beforeCanary = sent();
  const canary = api.cli.start({ kind: 'canary', productionVersion: 'v2', candidateVersion: 'v1', percent: 50, gates: DEFAULT_GATE_SETTINGS, automatic: false });
  await waitFor(() => api.service.rollouts.router.active?.id === canary.id);
  const canaryStarted = sent();

  await waitFor(() => sent() >= canaryStarted + 50, 20_000);
  api.cli.finish(canary.id, 'rolled_back', 'test rollback');
  await waitFor(() => api.service.rollouts.router.active === null);
  await models.registry.promote('v1');
  await waitFor(() => served() === 'v1');
  const swappedBack = sent();

  await waitFor(() => sent() >= swappedBack + 50, 20_000);
  running = false;
  await Promise.all(clients);

  const failures = results.filter((result) => result.status !== 201);
  expect(failures).toEqual([]);
  // Requests queued before the swap may still finish on v1, and on a loaded machine more than
  // the eight in flight can be queued, so only the answers just before the canary starts must be
  // v2. Answers after that point may already come from the canary's v1.
  expect(beforeCanary - afterFirstSwap).toBeGreaterThanOrEqual(50);
  expect(results.slice(beforeCanary - 20, beforeCanary).every((result) => result.version === 'v2')).toBe(true);
  expect(new Set(results.slice(canaryStarted + 16, canaryStarted + 50).map((result) => result.version))).toEqual(new Set(['v1', 'v2']));
  expect(results.slice(-20).every((result) => result.version === 'v1')).toBe(true);
});
