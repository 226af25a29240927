import crypto from 'node:crypto';
import http from 'node:http';
import { ConfigError } from '../core/errors.js';
import type { RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { ServiceConfig } from '../core/config.js';
import { SnapclassError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import * as tf from '@tensorflow/tfjs';
import { DriftMonitor } from '../core/monitoring/drift-monitor.js';
import { WindowSummarizer } from '../core/monitoring/window-summarizer.js';
import { loadMonitoringConfig, type MonitoringConfig } from '../core/monitoring/monitoring-config.js';
import { RolloutController, type RolloutControllerArgs } from '../core/lifecycle/rollout-controller.js';
import { RolloutStore } from '../core/lifecycle/rollout-store.js';
import type { LoadedModel, ModelRegistry } from '../core/registry/model-registry.js';
import { FeedbackService } from '../core/serving/feedback-service.js';
import { ModelWorker } from '../core/serving/model-worker.js';
import { PredictionService } from '../core/serving/prediction-service.js';
import { ServingMetrics } from '../core/serving/serving-metrics.js';
import { DatabaseError } from '../db/errors.js';
import { openDatabase, type DatabaseHandle } from '../db/open-database.js';
import { PredictionStore } from '../db/prediction-store.js';
import { createApp } from './create-app.js';

/** A running HTTP service and the parts tests and scripts reach into. */
export interface RunningService {
  url: string;
  server: http.Server;
  database: DatabaseHandle;
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  metrics: ServingMetrics;
  monitor: DriftMonitor;
  /** Keeps production and the active rollout in step with the registry and the rollout table. */
  rollouts: RolloutController;
  /**
   * Stops accepting connections, waits for requests in flight (at most
   * `config.shutdownTimeoutMs`, then drops their connections), waits for queued predictions to
   * be stored, and closes the database. Repeated calls return the same promise.
   */
  close(): Promise<void>;
}

/** Options for {@link startService}. */
export interface StartServiceArgs {
  config: ServiceConfig;
  registry: ModelRegistry;
  logger: Logger;
  /** Extra routers mounted on the same HTTP server, such as the Slack events endpoint. */
  routers?: RequestHandler[];
  /** Metrics to record into; a new set, with process metrics, when omitted. */
  metrics?: ServingMetrics;
  /** Intervals and shadow settings of the rollout controller; its defaults when omitted. */
  rollouts?: Pick<RolloutControllerArgs, 'pollIntervalMs' | 'gateIntervalMs' | 'retiredModelGraceMs' | 'shadowTimeoutMs' | 'shadowClassify'>;
  /** Runs model calls in a worker thread; off when omitted. npm start reads it from `SNAPCLASS_MODEL_WORKER`. */
  modelWorker?: boolean;
  /** Drift monitoring settings; read from the environment by {@link loadMonitoringConfig} when omitted. */
  monitoring?: MonitoringConfig;
}

/**
 * Opens the database, loads the registry's production model, and serves the HTTP API on
 * `config.host:config.port` (port 0 picks a free port, as tests do).
 *
 * @throws DatabaseError when the database cannot be opened, RegistryError when there is no
 * usable production model.
 */
export async function startService(args: StartServiceArgs): Promise<RunningService> {
  const { config, registry, logger } = args;
  const database = openDatabase({ file: config.dbFile, logger });
  try {
    const metrics = args.metrics ?? new ServingMetrics();
    const store = new PredictionStore(database);
    const monitoring = args.monitoring ?? loadMonitoringConfig();
    const summarizer = monitoring.enabled ? new WindowSummarizer({ modelsDir: registry.root, backend: tf.getBackend(), seed: Date.now() % 1_000_000, logger }) : undefined;
    const modelWorker = args.modelWorker ? new ModelWorker({ modelsDir: registry.root, backend: tf.getBackend(), logger }) : undefined;
    const monitor: DriftMonitor = new DriftMonitor({ database, registry, currentModel: () => predictions.model, config: monitoring, logger, metrics, summarizer });
    const userSalt = config.userSalt ?? store.getOrCreateSetting('user_salt', () => crypto.randomBytes(32).toString('hex'));
    const predictions = new PredictionService({
      store,
      userSalt,
      logger,
      limits: { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels },
      batching: { maxBatchSize: config.batchMaxSize, maxWaitMs: config.batchMaxWaitMs },
      metrics,
      transaction: (write) => runTransaction(database, write),
      outOfDistribution: monitor,
      modelWorker,
    });
    const feedback = new FeedbackService({
      store,
      logger,
      metrics,
      hashUser: (userId) => predictions.hashUser(userId),
      classNamesFor: (version) => registry.readMetadata(version).classNames,
    });

    const loadStarted = performance.now();
    const loaded = await registry.load('production');
    metrics.modelLoadDuration.set({ model_version: loaded.metadata.version }, (performance.now() - loadStarted) / 1000);
    predictions.setModel(loaded);
    if (modelWorker) await warmUpModelWorker(modelWorker, loaded, logger);
    const rollouts = new RolloutController({ store: new RolloutStore(database), registry, predictions, logger, ...args.rollouts });
    await rollouts.start();
    monitor.start();

    const app = createApp({
      logger,
      predictions,
      feedback,
      store,
      registry,
      database,
      maxUploadBytes: config.maxUploadBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      metrics,
      routers: args.routers,
      rollouts,
      monitor,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) => reject(describeListenError(error, config.host, config.port)));
      server.listen(config.port, config.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, modelVersion: predictions.model?.metadata.version }, 'service listening');

    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= stopService({ server, predictions, modelWorker, rollouts, monitor, database, logger, shutdownTimeoutMs: config.shutdownTimeoutMs });
      return closing;
    };
    return { url, server, database, predictions, feedback, store, metrics, rollouts, monitor, close };
  } catch (error) {
    database.close();
    throw error;
  }
}

async function stopService(args: {
  server: http.Server;
  predictions: PredictionService;
  modelWorker: ModelWorker | undefined;
  rollouts: RolloutController;
  monitor: DriftMonitor;
  database: DatabaseHandle;
  logger: Logger;
  shutdownTimeoutMs: number;
}): Promise<void> {
  const { server, predictions, database, logger } = args;
  // server.close() stops accepting at once and the log line follows it, so once the line is
  // written, new connections are refused.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  logger.info({ shutdownTimeoutMs: args.shutdownTimeoutMs }, 'service stopping: no new connections, finishing requests in flight');

  // server.close() drops only the connections idle at that moment. A keep-alive connection
  // whose request is in flight becomes idle after its response, so look again every 100 ms.
  server.closeIdleConnections();
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  const deadline = setTimeout(() => {
    logger.warn({ shutdownTimeoutMs: args.shutdownTimeoutMs }, 'requests still in flight at the shutdown deadline: dropping their connections');
    server.closeAllConnections();
  }, args.shutdownTimeoutMs);
  await closed;
  clearInterval(sweep);
  clearTimeout(deadline);

  // A request dropped at the deadline may still have a prediction queued; store it before closing.
  await predictions.drain();
  await args.rollouts.stop();
  await args.monitor.stop();
  await args.modelWorker?.close();
  database.close();
  logger.info('service stopped');
}

/** Starts the model worker before the service listens; when it fails, batches run on the main thread. */
async function warmUpModelWorker(modelWorker: ModelWorker, loaded: LoadedModel, logger: Logger): Promise<void> {
  const { height, width, channels } = loaded.metadata.preprocessing;
  try {
    await modelWorker.warmUp(loaded.metadata.version, height * width * channels);
  } catch (error) {
    logger.warn({ err: error, modelVersion: loaded.metadata.version }, 'model worker failed to start: each batch tries it again and runs on the main thread while it fails');
  }
}

/** Runs `write` in one SQLite transaction; any failure, even a closed connection, becomes a DatabaseError (503). */
function runTransaction(database: DatabaseHandle, write: () => void): void {
  try {
    database.sqlite.transaction(write)();
  } catch (error) {
    if (error instanceof SnapclassError) throw error;
    throw new DatabaseError(
      `Cannot write to the database ${database.file}: ${(error as Error).message}. Check that the file is writable and the service has not been stopped.`,
      { cause: error },
    );
  }
}

/** Names the setting to change when the server cannot listen. */
function describeListenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE') {
    return new ConfigError(`Port ${port} on ${host} is already in use. Stop the other process or set PORT to a free port.`, { cause: error });
  }
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
    return new ConfigError(`HOST=${host} is not an address of this machine. Set HOST to one, such as 127.0.0.1 or 0.0.0.0.`, { cause: error });
  }
  if (error.code === 'EACCES') {
    return new ConfigError(`Listening on port ${port} is not permitted. Set PORT to 1024 or above.`, { cause: error });
  }
  return error;
}
