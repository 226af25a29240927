import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, type LoadedDataset } from '../../../core/data/load-dataset.js';
import { silentLogger } from '../../../core/logger.js';
import { DriftMonitor } from '../../../core/monitoring/drift-monitor.js';
import { DEFAULT_DRIFT_THRESHOLDS, DEFAULT_MINIMUM_SAMPLES } from '../../../core/monitoring/drift-thresholds.js';
import { DEFAULT_MONITORING_CONFIG } from '../../../core/monitoring/monitoring-config.js';
import { buildMonitoringBaseline, type MonitoringBaseline } from '../../../core/monitoring/monitoring-baseline.js';
import { summarizeWindow, type WindowInput } from '../../../core/monitoring/summarize-window.js';
import { WindowSummarizer, type WindowSummaryOptions } from '../../../core/monitoring/window-summarizer.js';
import { createRandom } from '../../../core/random.js';
import type { LoadedModel, ModelRegistry } from '../../../core/registry/model-registry.js';
import { openDatabase } from '../../../db/open-database.js';
import { PredictionStore } from '../../../db/prediction-store.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../../helpers/tiny-model.js';

let registry: ModelRegistry;
let modelsRoot: string;
let loaded: LoadedModel;
let dataset: LoadedDataset;
let baseline: MonitoringBaseline;
const summarizers: WindowSummarizer[] = [];
const tempDirs: string[] = [];

beforeAll(async () => {
  ({ registry, root: modelsRoot } = await trainTinyModel());
  loaded = await registry.load('production');
  dataset = await loadDataset({ kind: 'fashion-mnist', dir: MINI_FASHION_MNIST_DIR }, { expectedChecksums: null });
  baseline = await buildMonitoringBaseline({ loaded, reference: dataset.validation, training: dataset.train });
});

afterAll(async () => {
  await Promise.all(summarizers.map((summarizer) => summarizer.close()));
  for (const dir of [modelsRoot, ...tempDirs]) fs.rmSync(dir, { recursive: true, force: true });
});

function createSummarizer(modelsDir = modelsRoot, seed = 11): WindowSummarizer {
  const summarizer = new WindowSummarizer({ modelsDir, backend: tf.getBackend(), seed, logger: silentLogger });
  summarizers.push(summarizer);
  return summarizer;
}

/** Builds a window of the first `count` test images, one second apart. */
function windowOf(count: number): WindowInput {
  const predictions = Array.from({ length: count }, (_, index) => ({
    id: `p${index}`,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
    classIndex: index % 10,
    latencyMs: 2 + (index % 5),
    pixels: dataset.test.images.slice(index * 784, (index + 1) * 784),
  }));
  return { modelVersion: 'v1', startedAt: predictions[0]!.createdAt, endedAt: predictions[count - 1]!.createdAt, closedBy: 'count', predictions, feedback: [], errors: {} };
}

function optionsFor(modelVersion: string): WindowSummaryOptions {
  return { modelVersion, baseline, thresholds: DEFAULT_DRIFT_THRESHOLDS, minimumSamples: DEFAULT_MINIMUM_SAMPLES, previousDetected: false, mmdPermutations: 200 };
}

describe('WindowSummarizer', () => {
  it('matches the summary on this thread', async () => {
    const input = windowOf(60);
    const { modelVersion: _, ...options } = optionsFor('v1');

    const expected = await summarizeWindow(input, { ...options, loaded, random: createRandom(11) });
    const summary = await createSummarizer(modelsRoot, 11).summarize(input, optionsFor('v1'));

    expect(summary).toEqual(expected);
    expect(summary.traffic.predictions).toBe(60);
    expect(summary.drift.tests.map((test) => test.name)).toContain('mmd.embeddings');
  });

  it('rejects a version missing from the registry', async () => {
    const summarizer = createSummarizer();

    await expect(summarizer.summarize(windowOf(20), optionsFor('v9'))).rejects.toMatchObject({ code: 'summary_worker_failed', message: expect.stringContaining('v9') });
    // The worker survives a failed window.
    await expect(summarizer.summarize(windowOf(20), optionsFor('v1'))).resolves.toMatchObject({ modelVersion: 'v1' });
  });

  it('restarts after the worker stops', async () => {
    const summarizer = createSummarizer();
    const running = summarizer.summarize(windowOf(20), optionsFor('v1'));

    await summarizer.close();

    await expect(running).rejects.toMatchObject({ code: 'summary_worker_failed' });
    const summary = await summarizer.summarize(windowOf(30), optionsFor('v1'));
    expect(summary.traffic.predictions).toBe(30);
  });
});

describe('DriftMonitor with a summarizer', () => {
  it('summarizes on this thread when the worker fails', async () => {
    const dir = makeTempDir('window-summarizer');
    tempDirs.push(dir);
    const database = openDatabase({ file: path.join(dir, 'snapclass.db') });
    const store = new PredictionStore(database);
    const input = windowOf(20);
    for (const prediction of input.predictions) {
      store.insertPrediction({
        ...prediction,
        source: 'test',
        userHash: null,
        modelVersion: 'v1',
        inputSha256: prediction.id,
        inputPixels: Buffer.from(prediction.pixels),
        label: loaded.metadata.classNames[prediction.classIndex]!,
        confidence: 0.5,
        topK: '[]',
      });
    }
    // An empty registry folder: the worker cannot load v1, so every window falls back.
    const emptyModels = path.join(dir, 'models');
    fs.mkdirSync(emptyModels);
    const monitor = new DriftMonitor({
      database,
      registry,
      currentModel: () => loaded,
      config: { ...DEFAULT_MONITORING_CONFIG, windowSize: 20, mmdPermutations: 100 },
      logger: silentLogger,
      buildBaseline: async () => baseline,
      summarizer: createSummarizer(emptyModels),
    });

    try {
      expect(await monitor.poll()).toBe(1);
      expect(monitor.latestSummary()?.summary.traffic.predictions).toBe(20);
    } finally {
      await monitor.stop();
      database.close();
    }
  });
});
