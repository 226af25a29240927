import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../api/service.js';
import { loadServiceConfig } from '../../core/config.js';
import { loadFashionMnist } from '../../core/data/fashion-mnist.js';
import type { ImageSet } from '../../core/data/image-set.js';
import { createLogger } from '../../core/logger.js';
import { DEFAULT_MONITORING_CONFIG } from '../../core/monitoring/monitoring-config.js';
import type { ModelRegistry } from '../../core/registry/model-registry.js';
import { MINI_FASHION_MNIST_DIR, makeTempDir, trainTinyModel } from '../helpers/tiny-model.js';
import { postPixels } from './monitoring-test-service.js';

// The real service with monitoring on, logging to memory, to check that windows are summarised
// by the worker thread and not by the fallback on the main thread.

const WINDOW = 20;

let registry: ModelRegistry;
let modelsRoot: string;
let tempDir: string;
let test: ImageSet;
let service: RunningService;
const logLines: { msg: string; component?: string }[] = [];

beforeAll(async () => {
  ({ registry, root: modelsRoot } = await trainTinyModel());
  tempDir = makeTempDir('monitoring-worker');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
  const config = { ...loadServiceConfig({}), port: 0, dbFile: path.join(tempDir, 'snapclass.db'), modelsDir: modelsRoot };
  const monitoring = { ...DEFAULT_MONITORING_CONFIG, dataDir: MINI_FASHION_MNIST_DIR, windowSize: WINDOW, windowSeconds: 3600, pollIntervalMs: 600_000, mmdPermutations: 200 };
  service = await startService({ config, registry, logger, monitoring });
  await service.monitor.ensureBaseline(service.predictions.model!);
});

afterAll(async () => {
  await service?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

describe('monitoring worker thread', () => {
  it('summarises windows off the main thread', async () => {
    for (let index = 0; index < 2 * WINDOW; index++) {
      const { status } = await postPixels(service, test.images.subarray(index * 784, (index + 1) * 784));
      expect(status).toBe(201);
    }

    expect(await service.monitor.poll()).toBe(2);

    const latest = service.monitor.latestSummary();
    expect(latest?.id).toBe(2);
    expect(latest?.summary.traffic.predictions).toBe(WINDOW);
    expect(latest?.summary.drift.tests.map((test) => test.name)).toContain('mmd.embeddings');
    const messages = logLines.map((line) => line.msg);
    expect(messages.filter((message) => message === 'window summary worker started')).toHaveLength(1);
    expect(messages.filter((message) => message.startsWith('window summary worker failed'))).toEqual([]);
    expect(messages.filter((message) => message === 'monitoring window closed')).toHaveLength(2);
  });

  it('stops monitoring with the service', async () => {
    await service.close();

    expect(logLines.map((line) => line.msg)).toContain('drift monitor stopped');
    expect(logLines.map((line) => line.msg)).toContain('service stopped');
  });
});
