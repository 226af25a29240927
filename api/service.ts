import crypto from 'node:crypto';
import http from 'node:http';
import type { RequestHandler } from 'express';
import type { AddressInfo } from 'node:net';
import type { ServiceConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { ModelRegistry } from '../core/registry/model-registry.js';
import { FeedbackService } from '../core/serving/feedback-service.js';
import { PredictionService } from '../core/serving/prediction-service.js';
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
  /** Stops accepting connections, waits for requests in flight, then closes the database. */
  close(): Promise<void>;
}

/** Options for {@link startService}. */
export interface StartServiceArgs {
  config: ServiceConfig;
  registry: ModelRegistry;
  logger: Logger;
  /** Extra routers mounted on the same HTTP server, such as the Slack events endpoint. */
  routers?: RequestHandler[];
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
    const store = new PredictionStore(database);
    const userSalt = config.userSalt ?? store.getOrCreateSetting('user_salt', () => crypto.randomBytes(32).toString('hex'));
    const predictions = new PredictionService({
      store,
      userSalt,
      logger,
      limits: { maxBytes: config.maxUploadBytes, maxPixels: config.maxImagePixels },
    });
    const feedback = new FeedbackService({
      store,
      logger,
      hashUser: (userId) => predictions.hashUser(userId),
      classNamesFor: (version) => registry.readMetadata(version).classNames,
    });
    predictions.setModel(await registry.load('production'));

    const app = createApp({
      logger,
      predictions,
      feedback,
      store,
      registry,
      database,
      maxUploadBytes: config.maxUploadBytes,
      requestTimeoutMs: config.requestTimeoutMs,
      routers: args.routers,
    });
    const server = http.createServer(app);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.port, config.host, () => resolve());
    });
    const address = server.address() as AddressInfo;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    const url = `http://${host}:${address.port}`;
    logger.info({ url, modelVersion: predictions.model?.metadata.version }, 'service listening');

    let closing: Promise<void> | null = null;
    const close = () => {
      closing ??= (async () => {
        logger.info('service stopping: no new connections, finishing requests in flight');
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        database.close();
        logger.info('service stopped');
      })();
      return closing;
    };
    return { url, server, database, predictions, feedback, store, close };
  } catch (error) {
    database.close();
    throw error;
  }
}
