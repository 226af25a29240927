import crypto from 'node:crypto';
import type { ServiceConfig } from '../core/config.js';
import type { Logger } from '../core/logger.js';
import type { ModelRegistry } from '../core/registry/model-registry.js';
import { FeedbackService } from '../core/serving/feedback-service.js';
import { PredictionService } from '../core/serving/prediction-service.js';
import { openDatabase } from '../db/open-database.js';
import { PredictionStore } from '../db/prediction-store.js';
import type { BotConfig } from './config.js';
import { buildBotServices, type BotServices } from './shared/bot-services.js';

/** Bot services on their own database connection, for running the bots without the HTTP API. */
export interface OpenedBotServices {
  services: BotServices;
  close(): void;
}

/**
 * Opens the database and loads the production model for a bots-only process, with the same
 * salt, limits and tables as the API, so both processes may share one database file.
 *
 * @throws DatabaseError when the database cannot be opened, RegistryError without a usable
 * production model.
 */
export async function openBotServices(args: { config: ServiceConfig; botConfig: BotConfig; registry: ModelRegistry; logger: Logger }): Promise<OpenedBotServices> {
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

    const services = buildBotServices({ predictions, feedback, store, database, registry, maxFileBytes: config.maxUploadBytes }, args.botConfig);
    return { services, close: () => database.close() };
  } catch (error) {
    database.close();
    throw error;
  }
}
