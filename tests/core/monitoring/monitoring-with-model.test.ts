import { beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type LoadedDataset } from '../../../core/data/load-dataset.js';
import { parseDriftSchedule } from '../../../core/monitoring/drift-schedule.js';
import { evaluateOutOfDistribution } from '../../../core/monitoring/evaluate-out-of-distribution.js';
import { buildMonitoringBaseline, type MonitoringBaseline } from '../../../core/monitoring/monitoring-baseline.js';
import { simulateMonitoring } from '../../../core/monitoring/simulate-monitoring.js';
import { createRandom } from '../../../core/random.js';
import type { LoadedModel } from '../../../core/registry/model-registry.js';
import { MINI_FASHION_MNIST_DIR, trainTinyModel } from '../../helpers/tiny-model.js';

// The tiny model on the committed mini data set: 900 training, 100 validation and 200 test images.

let loaded: LoadedModel;
let baseline: MonitoringBaseline;
let dataset: LoadedDataset;

beforeAll(async () => {
  const { registry } = await trainTinyModel();
  loaded = await registry.load('production');
  dataset = await loadDataset({ kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, { expectedChecksums: null });
  baseline = await buildMonitoringBaseline({ loaded, reference: dataset.validation, training: dataset.train });
});

describe('out-of-distribution detector', () => {
  it('builds a baseline of the reference images', () => {
    expect(baseline.modelVersion).toBe('v1');
    expect(baseline.referenceCount).toBe(100);
    expect(baseline.imageStatistics.meanIntensity).toHaveLength(100);
    expect(baseline.mmdEmbeddings).toHaveLength(100);
    expect(baseline.mmdEmbeddings[0]).toHaveLength(64);
    expect(baseline.predictedClassShares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(1, 12);
    expect(baseline.temperatureSource).toBe('fitted');
    expect(baseline.profileSource).toBe('computed');
  });

  it('separates blank pages from clothing', async () => {
    const report = await evaluateOutOfDistribution({ loaded, baseline, images: dataset.test.images, count: 200, perKind: 10, random: createRandom(3) });
    expect(report.kinds.map((kind) => kind.kind)).toEqual(['face', 'digit', 'blank-page']);
    const blank = report.kinds.find((kind) => kind.kind === 'blank-page')!;
    expect(blank.auroc).toBeGreaterThan(0.95);
    expect(blank.flagged).toBe(1);
    // Fitted for 1% on 100 reference images; the 200 test images may run a little higher.
    expect(report.falsePositiveRate).toBeLessThan(0.05);
  });
});

describe('simulateMonitoring', () => {
  // 200 test images at 25 per simulated second in windows of 40: five windows, the third
  // holding the onset at second 4 (image 100).
  const run = (drifts: object[], seed: number) =>
    simulateMonitoring({ loaded, baseline, images: { ...dataset.test, height: 28, width: 28 }, schedule: parseDriftSchedule({ name: 'test', drifts }), seed, windowSize: 40, durationSeconds: 8 });

  it('stays ok without drift', async () => {
    const result = await run([], 1);
    expect(result.windows).toHaveLength(5);
    expect(result.windows.map((window) => window.state)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(result.onsetWindow).toBeNull();
    expect(result.falseAlarm).toBe(false);
    expect(result.detectionDelay).toBeNull();
  });

  it('detects brightness after onset', async () => {
    const result = await run([{ type: 'brightness', onset: 4, strength: 0.3 }], 1);
    expect(result.onsetWindow).toBe(2);
    expect(result.falseAlarm).toBe(false);
    expect(result.detectionDelay).not.toBeNull();
    expect(result.detectionDelay).toBeLessThanOrEqual(1);
    expect(result.windows[4]!.state).toBe('drift');
    expect(result.windows[4]!.drifted).toContain('ks.meanIntensity');
  });
});
