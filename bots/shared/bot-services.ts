import type { ModelRegistry } from '../../core/registry/model-registry.js';
import type { FeedbackService } from '../../core/serving/feedback-service.js';
import type { PredictionService } from '../../core/serving/prediction-service.js';
import type { DatabaseHandle } from '../../db/open-database.js';
import type { PredictionStore } from '../../db/prediction-store.js';
import type { BotConfig } from '../config.js';
import { ChatStore } from './chat-store.js';

/** The core services and limits that both bots work with. */
export interface BotServices {
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  chat: ChatStore;
  /** Returns the class names of a model version, in class index order. */
  classNamesFor(modelVersion: string): string[];
  /** Largest file a bot downloads, in bytes; the API's upload limit. */
  maxFileBytes: number;
  /** Time limit for one file download attempt, in ms. */
  downloadTimeoutMs: number;
  /** Confidence floor below which answers lead with an out-of-domain notice. */
  minConfidence?: number;
}

/** The parts of a running service that the bots build on. */
export interface BotServiceParts {
  predictions: PredictionService;
  feedback: FeedbackService;
  store: PredictionStore;
  database: DatabaseHandle;
  registry: ModelRegistry;
  /** Largest file the bots download, in bytes; the API's upload limit. */
  maxFileBytes: number;
}

/** Builds the services both bots share, with class names cached per model version. */
export function buildBotServices(parts: BotServiceParts, config: BotConfig): BotServices {
  const classNames = new Map<string, string[]>();
  return {
    predictions: parts.predictions,
    feedback: parts.feedback,
    store: parts.store,
    chat: new ChatStore(parts.database),
    classNamesFor(modelVersion) {
      let names = classNames.get(modelVersion);
      if (!names) {
        names = parts.registry.readMetadata(modelVersion).classNames;
        classNames.set(modelVersion, names);
      }
      return names;
    },
    maxFileBytes: parts.maxFileBytes,
    downloadTimeoutMs: config.downloadTimeoutMs,
    minConfidence: config.minConfidence,
  };
}
