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

// The real service with SNAPCLASS_MODEL_WORKER=on and monitoring on, logging to memory.

let registry: ModelRegistry;
let modelsRoot: string;
let tempDir: string;
let test: ImageSet;
let service: RunningService;
const logLines: { msg: string }[] = [];

beforeAll(async () => {
  ({ registry, root: modelsRoot } = await trainTinyModel());
  tempDir = makeTempDir('api-model-worker');
  test = (await loadFashionMnist(MINI_FASHION_MNIST_DIR, { expectedChecksums: null })).test;
  const logger = createLogger({ level: 'info', destination: { write: (line: string) => void logLines.push(JSON.parse(line)) } });
  const config = { ...loadServiceConfig({}), port: 0, dbFile: path.join(tempDir, 'snapclass.db'), modelsDir: modelsRoot };
  const monitoring = { ...DEFAULT_MONITORING_CONFIG, dataDir: MINI_FASHION_MNIST_DIR, windowSeconds: 3600, pollIntervalMs: 600_000 };
  service = await startService({ config, registry, logger, monitoring, modelWorker: true });
  await service.monitor.ensureBaseline(service.predictions.model!);
});

afterAll(async () => {
  await service?.close();
  fs.rmSync(tempDir, { recursive: true, force: true });
  fs.rmSync(modelsRoot, { recursive: true, force: true });
});

describe('service with a model worker', () => {
  it('answers from the worker thread', async () => {
    const pixels = test.images.subarray(0, 784);

    const { status, body } = await postPixels(service, pixels);

    expect(status).toBe(201);
    expect(body.outOfDistribution).toBe(false);
    const messages = logLines.map((line) => line.msg);
    expect(messages).toContain('model worker ready');
    expect(messages.filter((message) => message.startsWith('model worker failed'))).toEqual([]);
  });

  it('stops the worker with the service', async () => {
    await service.close();

    expect(logLines.map((line) => line.msg)).toContain('service stopped');
  });
});
