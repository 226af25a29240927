import { startService, type RunningService } from '../../api/service.js';
import { loadServiceConfig } from '../../core/config.js';
import { silentLogger } from '../../core/logger.js';
import { DEFAULT_MONITORING_CONFIG, type MonitoringConfig } from '../../core/monitoring/monitoring-config.js';
import type { ModelRegistry } from '../../core/registry/model-registry.js';
import { MINI_FASHION_MNIST_DIR } from '../helpers/tiny-model.js';

/**
 * Starts the real service on 127.0.0.1 port 0 with monitoring on: baselines come from the
 * committed mini data set, and the monitor's timer is slowed to 10 minutes so that a test closes
 * windows itself with `monitor.poll()`. Resolves once the baseline is ready.
 */
export async function startMonitoredService(args: {
  registry: ModelRegistry;
  modelsRoot: string;
  dbFile: string;
  monitoring?: Partial<MonitoringConfig>;
}): Promise<RunningService> {
  const config = { ...loadServiceConfig({}), port: 0, dbFile: args.dbFile, modelsDir: args.modelsRoot };
  const monitoring: MonitoringConfig = { ...DEFAULT_MONITORING_CONFIG, dataDir: MINI_FASHION_MNIST_DIR, windowSeconds: 3600, pollIntervalMs: 600_000, ...args.monitoring };
  const service = await startService({ config, registry: args.registry, logger: silentLogger, monitoring });
  await service.monitor.ensureBaseline(service.predictions.model!);
  return service;
}

/** Posts gray pixels to `POST /v1/predictions` and returns the parsed answer. */
export async function postPixels(service: RunningService, pixels: Uint8Array): Promise<{ status: number; body: { id: string; label: string; outOfDistribution: boolean } }> {
  const response = await fetch(`${service.url}/v1/predictions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pixels: Array.from(pixels), source: 'test' }),
  });
  return { status: response.status, body: (await response.json()) as { id: string; label: string; outOfDistribution: boolean } };
}

