import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyPixels } from '../../core/lifecycle/classify-pixels.js';
import { DEFAULT_GATE_SETTINGS } from '../../core/lifecycle/gate-settings.js';
import { startRolloutService, trainTwoModels, waitFor, type RolloutTestService, type TwoModelRegistry } from './rollout-service.js';

// Real HTTP against the running service. The rollout table is written through a second
// database connection, as `npm run models` does, and the service picks it up by polling.

let models: TwoModelRegistry;

beforeAll(async () => {
  models = await trainTwoModels();
});

afterAll(() => {
  fs.rmSync(models.root, { recursive: true, force: true });
});

const base = { productionVersion: 'v1', candidateVersion: 'v2', gates: DEFAULT_GATE_SETTINGS, automatic: false };

async function mapConcurrent<T, R>(items: T[], concurrency: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await run(items[index]!);
      }
    }),
  );
  return results;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('GET /v1/rollout', () => {
  let api: RolloutTestService;
  beforeAll(async () => {
    api = await startRolloutService(models);
  });
  afterAll(async () => {
    await api.stop();
  });

  it('shows no rollout at first', async () => {
    const status = await api.getRollout();
    expect(status).toMatchObject({ productionVersion: 'v1', servingVersion: 'v1', routedRolloutId: null, rollout: null, arms: [], gates: null });
  });

  it('routes a canary by user', async () => {
    const rollout = api.cli.start({ ...base, kind: 'canary', percent: 30 });
    await waitFor(async () => (await api.getRollout()).routedRolloutId === rollout.id);

    const users = Array.from({ length: 150 }, (_, i) => `user-${i}`);
    const first = await mapConcurrent(users, 6, (user) => api.predict(0, user));
    const second = await mapConcurrent(users, 6, (user) => api.predict(0, user));
    const versions = first.map((response) => response.body.modelVersion);

    expect(first.every((response) => response.status === 201)).toBe(true);
    expect(second.map((response) => response.body.modelVersion)).toEqual(versions);
    const share = versions.filter((version) => version === 'v2').length / users.length;
    expect(share).toBeGreaterThan(0.15);
    expect(share).toBeLessThan(0.45);

    const status = (await api.getRollout()) as { arms: { role: string; requests: number }[]; gates: { decision: string } };
    const candidateRequests = versions.filter((version) => version === 'v2').length * 2;
    expect(status.arms.map((arm) => [arm.role, arm.requests])).toEqual([
      ['production', users.length * 2 - candidateRequests],
      ['candidate', candidateRequests],
    ]);
    expect(status.gates.decision).toBe('wait');
    api.cli.finish(rollout.id, 'stopped', 'test finished');
  });

  it('splits an A/B experiment and tests accuracy', async () => {
    const rollout = api.cli.start({ ...base, kind: 'ab', percent: 50 });
    await waitFor(() => api.service.rollouts.router.active?.id === rollout.id);

    const answers = await mapConcurrent(
      Array.from({ length: 80 }, (_, i) => i),
      6,
      (i) => api.predict(i % 40, `ab-user-${i}`),
    );
    for (const [i, answer] of answers.entries()) {
      const label = api.test.labels[i % 40]!;
      const verdict = answer.body.classIndex === label ? 'correct' : 'incorrect';
      const body = verdict === 'correct' ? { verdict, userId: `ab-user-${i}` } : { verdict, label: (answer.body.topK as { label: string }[])[0]!.label === 'Bag' ? 'Sandal' : 'Bag', userId: `ab-user-${i}` };
      await fetch(`${api.service.url}/v1/predictions/${answer.body.id}/feedback`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    }

    const status = (await api.getRollout()) as { arms: { role: string; requests: number; labelled: number }[]; experiment: { pValue: number; alpha: number } };
    expect(status.arms.map((arm) => arm.role)).toEqual(['A', 'B']);
    expect(status.arms[0]!.requests + status.arms[1]!.requests).toBe(80);
    expect(status.arms[0]!.labelled + status.arms[1]!.labelled).toBe(80);
    expect(status.arms.every((arm) => arm.requests > 15)).toBe(true);
    expect(status.experiment.pValue).toBeGreaterThanOrEqual(0);
    expect(status.experiment.pValue).toBeLessThanOrEqual(1);
    expect(status.experiment.alpha).toBe(0.05);
    api.cli.finish(rollout.id, 'stopped', 'test finished');
  });
});

describe('shadow rollout', () => {
  let api: RolloutTestService;
  let mode: 'model' | 'sleep' | 'throw' = 'model';

  beforeAll(async () => {
    api = await startRolloutService(models, {
      shadowTimeoutMs: 100,
      async shadowClassify(candidate, pixels) {
        if (mode === 'throw') throw new Error('shadow weights are broken');
        if (mode === 'sleep') await new Promise((resolve) => setTimeout(resolve, 400));
        return classifyPixels(candidate, pixels);
      },
    });
  });
  afterAll(async () => {
    await api.stop();
  });

  async function sendAll(): Promise<{ labels: unknown[]; versions: unknown[]; medianMs: number }> {
    const indices = Array.from({ length: 60 }, (_, i) => i);
    const responses = await mapConcurrent(indices, 4, (i) => api.predict(i, `shadow-user-${i}`));
    expect(responses.every((response) => response.status === 201)).toBe(true);
    return { labels: responses.map((r) => r.body.label), versions: responses.map((r) => r.body.modelVersion), medianMs: median(responses.map((r) => r.ms)) };
  }

  it('records agreement without changing answers', async () => {
    const before = await sendAll();
    const rollout = api.cli.start({ ...base, kind: 'shadow', percent: 0 });
    await waitFor(() => api.service.rollouts.router.active?.id === rollout.id);

    mode = 'model';
    const healthy = await sendAll();
    await waitFor(async () => ((await api.getRollout()).shadow as { compared: number }).compared === 60);
    mode = 'sleep';
    const sleeping = await sendAll();
    mode = 'throw';
    const throwing = await sendAll();
    const after = await sendAll();

    for (const run of [healthy, sleeping, throwing, after]) {
      expect(run.labels).toEqual(before.labels);
      expect(run.versions.every((version) => version === 'v1')).toBe(true);
    }
    // Generous bounds: a shadow that waited 400 ms per call inside the request would add 400 ms.
    const noise = Math.max(before.medianMs, after.medianMs);
    expect(sleeping.medianMs).toBeLessThan(2 * noise + 50);
    expect(throwing.medianMs).toBeLessThan(2 * noise + 50);

    await waitFor(async () => {
      const shadow = (await api.getRollout()).shadow as { compared: number; failed: number };
      return shadow.compared + api.service.rollouts.router.shadowRunner!.dropped >= 240;
    });
    const shadow = (await api.getRollout()).shadow as { compared: number; failed: number; agreed: number; perClass: unknown[] };
    expect(shadow.failed).toBeGreaterThan(0);
    expect(shadow.agreed).toBeGreaterThan(0);
    expect(shadow.perClass.length).toBeGreaterThan(0);
    api.cli.finish(rollout.id, 'stopped', 'test finished');
  });
});
