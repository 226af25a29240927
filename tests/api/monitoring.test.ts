import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../api/service.js';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import type { MonitoringConfig } from '../../core/monitoring/monitoring-config.js';
import { drawOutOfDistributionImage } from '../../core/monitoring/out-of-distribution-images.js';
import { addBrightness } from '../../core/quality/pixel-corruptions.js';
import { createRandom } from '../../core/random.js';
import type { ModelRegistry } from '../../core/registry/model-registry.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';
import { postPixels, startMonitoredService } from './monitoring-test-service.js';

// The real service with the tiny model, its monitor fed by real HTTP predictions; the
// monitor's timer is slowed down so each test closes windows itself with poll().

const WINDOW = 40;

let registry: ModelRegistry;
let modelsRoot: string;
let tempDir: string;
let dbFile: string;
let test: ImageSet;
let webhook: http.Server;
let webhookUrl: string;
const alerts: { state: string; previousState: string; driftedTests: { name: string }[] }[] = [];

beforeAll(async () => {
  const trained = await trainTinyModel();
  registry = trained.registry;
  modelsRoot = trained.root;
  tempDir = makeTempDir('monitoring');
  dbFile = path.join(tempDir, 'snapclass.db');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;

  webhook = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      alerts.push(JSON.parse(body));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`;
});

afterAll(async () => {
  await new Promise((resolve) => webhook?.close(resolve));
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

function start(overrides: Partial<MonitoringConfig> = {}, file = dbFile): Promise<RunningService> {
  return startMonitoredService({ registry, modelsRoot, dbFile: file, monitoring: { windowSize: WINDOW, webhookUrl, ...overrides } });
}

function pixelsOf(index: number): Uint8Array {
  return test.images.subarray(index * 784, (index + 1) * 784);
}

async function predict(service: RunningService, pixels: Uint8Array): Promise<{ id: string; label: string; outOfDistribution: boolean }> {
  const { status, body } = await postPixels(service, pixels);
  expect(status).toBe(201);
  return body;
}

async function getJson<T>(service: RunningService, url: string): Promise<{ status: number; body: T }> {
  const response = await fetch(`${service.url}${url}`);
  return { status: response.status, body: (await response.json()) as T };
}

interface Summary {
  state: string;
  window: { id: number; predictions: number; closedBy: string } | null;
  baseline: { status: string };
  drift: { detected: boolean; tests: { name: string; drifted: boolean; pValue: number | null; statistic: number | null; skipped?: string }[] };
  performance: { feedback: { total: number; correct: number }; accuracy: { value: number; lower: number; upper: number } | null } | null;
}

describe('monitoring API', () => {
  it('tracks drift, alerts once and survives a restart', async () => {
    let service = await start();
    try {
      const before = await getJson<Summary>(service, '/v1/monitoring/summary');
      expect(before.status).toBe(200);
      expect(before.body.state).toBe('ok');
      expect(before.body.window).toBeNull();
      expect(before.body.baseline.status).toBe('ready');

      // One window of unchanged test images, with feedback on the first ten.
      for (let i = 0; i < WINDOW; i++) {
        const result = await predict(service, pixelsOf(i));
        if (i < 10) {
          const verdict = await fetch(`${service.url}/v1/predictions/${result.id}/feedback`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ verdict: 'correct', userId: `user-${i}` }),
          });
          expect(verdict.status).toBe(200);
        }
      }
      expect(await service.monitor.poll()).toBe(1);
      const first = (await getJson<Summary>(service, '/v1/monitoring/summary')).body;
      expect(first.window).toMatchObject({ id: 1, predictions: WINDOW, closedBy: 'count' });
      expect(first.drift.tests.filter((t) => t.drifted).map((t) => [t.name, t.statistic, t.pValue])).toEqual([]);
      expect(first.state).toBe('ok');
      expect(first.drift.tests.map((t) => t.name)).toEqual([
        'ks.meanIntensity', 'psi.meanIntensity', 'ks.contrast', 'psi.contrast', 'ks.inkCoverage', 'psi.inkCoverage',
        'mmd.embeddings', 'chiSquare.classMix', 'ks.confidence', 'binomial.accuracy', 'drop.estimatedAccuracy',
      ]);
      expect(first.performance?.feedback).toEqual({ total: 10, correct: 10, incorrect: 0 });
      expect(first.performance?.accuracy?.value).toBe(1);
      // Wilson interval of 10 of 10 at 95%: lower = 10 / (10 + 1.96²) = 0.7225.
      expect(first.performance?.accuracy?.lower).toBeCloseTo(0.7225, 3);
      expect(first.drift.tests.find((t) => t.name === 'binomial.accuracy')?.skipped).toBe('10 feedback verdicts, fewer than 20');

      // Two windows of brightened images: warning, then drift.
      for (let window = 0; window < 2; window++) {
        for (let i = 0; i < WINDOW; i++) await predict(service, addBrightness(pixelsOf(WINDOW + window * WINDOW + i), 0.3));
        expect(await service.monitor.poll()).toBe(1);
      }
      const drifted = (await getJson<Summary>(service, '/v1/monitoring/summary')).body;
      expect(drifted.state).toBe('drift');
      expect(drifted.drift.detected).toBe(true);
      const meanIntensity = drifted.drift.tests.find((t) => t.name === 'ks.meanIntensity')!;
      expect(meanIntensity.drifted).toBe(true);
      expect(meanIntensity.pValue).toBeLessThan(1e-4);
      expect(alerts.map((alert) => [alert.previousState, alert.state])).toEqual([
        ['ok', 'warning'],
        ['warning', 'drift'],
      ]);
      expect(alerts[0]!.driftedTests.map((t) => t.name)).toContain('ks.meanIntensity');

      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/^snapclass_monitoring_state 2$/m);
      expect(metrics).toMatch(/^snapclass_drift_test_drifted\{test="ks.meanIntensity"\} 1$/m);
      expect(metrics).toMatch(/^snapclass_monitoring_alerts_total\{state="drift"\} 1$/m);

      const all = await getJson<{ windows: { id: number; state: string; endedAt: string }[] }>(service, '/v1/monitoring/windows');
      expect(all.body.windows.map((w) => [w.id, w.state])).toEqual([
        [1, 'ok'],
        [2, 'warning'],
        [3, 'drift'],
      ]);
      const since = await getJson<{ windows: { id: number }[] }>(service, `/v1/monitoring/windows?since=${encodeURIComponent(all.body.windows[0]!.endedAt)}`);
      expect(since.body.windows.map((w) => w.id)).toEqual([2, 3]);
    } finally {
      await service.close();
    }

    // After a restart the history, the state and the baseline are read back, and new windows
    // start after the last stored prediction.
    service = await start();
    try {
      const restored = await getJson<Summary>(service, '/v1/monitoring/summary');
      expect(restored.body.state).toBe('drift');
      expect(restored.body.window?.id).toBe(3);
      expect(await service.monitor.poll()).toBe(0);
      const baselines = service.database.sqlite.prepare('SELECT COUNT(*) AS n FROM monitoring_baselines').get() as { n: number };
      expect(baselines.n).toBe(1);

      for (let i = 0; i < WINDOW; i++) await predict(service, addBrightness(pixelsOf(120 + i), 0.3));
      expect(await service.monitor.poll()).toBe(1);
      const next = (await getJson<Summary>(service, '/v1/monitoring/summary')).body;
      expect(next.window).toMatchObject({ id: 4, predictions: WINDOW });
      expect(next.state).toBe('drift');
      // Still drift: no new alert.
      expect(alerts).toHaveLength(2);
    } finally {
      await service.close();
    }
  });

  it('closes a window by time', async () => {
    const service = await start({ windowSeconds: 1 }, path.join(tempDir, 'time.db'));
    try {
      for (let i = 0; i < 5; i++) await predict(service, pixelsOf(i));
      expect(await service.monitor.poll()).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      expect(await service.monitor.poll()).toBe(1);
      const summary = (await getJson<Summary>(service, '/v1/monitoring/summary')).body;
      expect(summary.window).toMatchObject({ predictions: 5, closedBy: 'time' });
      expect(summary.state).toBe('ok');
      expect(summary.drift.tests.find((t) => t.name === 'ks.meanIntensity')?.skipped).toBe('5 predictions, fewer than 30');
    } finally {
      await service.close();
    }
  });

  it('flags out-of-distribution uploads', async () => {
    const service = await start({}, path.join(tempDir, 'ood.db'));
    try {
      const random = createRandom(11);
      for (const kind of ['blank-page', 'blank-page'] as const) {
        const png = await drawOutOfDistributionImage(kind, random);
        const response = await fetch(`${service.url}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: Buffer.from(png) });
        expect(response.status).toBe(201);
        expect(((await response.json()) as { outOfDistribution: boolean }).outOfDistribution).toBe(true);
      }
      const flags = [];
      for (let i = 0; i < 20; i++) flags.push((await predict(service, pixelsOf(i))).outOfDistribution);
      // The detector is fitted to flag about 1% of in-distribution images.
      expect(flags.filter(Boolean).length).toBeLessThanOrEqual(2);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      expect(metrics).toMatch(/^snapclass_out_of_distribution_total \d+$/m);
    } finally {
      await service.close();
    }
  });

  it('rejects an invalid since time', async () => {
    const service = await start({}, path.join(tempDir, 'query.db'));
    try {
      const response = await getJson<{ error: { code: string; message: string } }>(service, '/v1/monitoring/windows?since=yesterday');
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('invalid_request');
      expect(response.body.error.message).toMatch(/since: must be an ISO 8601 time/);
    } finally {
      await service.close();
    }
  });
});
