import path from 'node:path';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadServiceConfig } from '../core/config.js';
import { downloadFashionMnist, resolveDataUrl } from '../core/data/download.js';
import { locateFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { readGitInfo } from '../core/registry/git-info.js';
import type { ModelMetadata } from '../core/registry/model-metadata.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { RunStore } from '../core/tracking/run-store.js';
import { trackRun } from '../core/tracking/track-run.js';
import { DEFAULT_TRAINING_ARGS, trainAndRegister } from '../core/training/train-and-register.js';
import { startService } from '../api/service.js';
import { loadModelWorkerSetting } from '../core/serving/model-worker.js';
import { loadBotConfig } from '../bots/config.js';
import { buildBotServices } from '../bots/shared/bot-services.js';
import { DeferredSlackRouter, startBots } from '../bots/start-bots.js';
import { openDatabase } from '../db/open-database.js';
import { createBarAwareDestination, createTrainingProgressBar } from './lib/progress-bar.js';

// The main job: find or download the data, train a model when the registry has no production
// model, then serve the API and each chat bot whose credentials are set until SIGTERM or SIGINT.
const logger = createStartLogger();

try {
  const config = loadServiceConfig();
  const botConfig = loadBotConfig();
  const backend = await selectBackend({ logger });
  const registry = new ModelRegistry(config.modelsDir, logger);

  if (registry.productionVersion() === null) {
    logger.info({ modelsDir: registry.root }, 'the registry has no production model: training the default model');
    const dataDir = await ensureFashionMnist();
    const { runId, metadata } = await trainDefaultModel(dataDir, config.dbFile, registry, backend.name);
    logger.info({ runId, modelVersion: metadata.version, validation: metadata.metrics.validation }, 'default model trained');
  }

  // Slack's HTTP events arrive on the API's server, at POST /slack/events.
  const slackRouter = new DeferredSlackRouter();
  const service = await startService({ config, registry, logger, routers: [slackRouter.router], modelWorker: loadModelWorkerSetting() });
  process.stdout.write(`snapclass is serving ${service.predictions.model?.metadata.version} at ${service.url}\n`);
  const botServices = buildBotServices({ ...service, registry, maxFileBytes: config.maxUploadBytes }, botConfig);
  const bots = await startBots({ config: botConfig, services: botServices, logger, slackRouter });

  const stop = (signal: string) => {
    logger.info({ signal }, 'shutdown requested');
    const shutdown = async () => {
      await bots.stop();
      await service.close();
    };
    shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
} catch (error) {
  logger.fatal({ err: error }, 'start failed');
  process.stderr.write(`start: ${(error as Error).message}\n`);
  process.exit(1);
}

/** Trains and registers the default model as a tracked run in the service's database, so `npm run runs` lists it. */
async function trainDefaultModel(dataDir: string, dbFile: string, registry: ModelRegistry, backend: string): Promise<{ runId: number; metadata: ModelMetadata }> {
  const database = openDatabase({ file: dbFile, logger });
  try {
    const { runId, result } = await trackRun(
      new RunStore(database.db, logger),
      { kind: 'train', command: 'start', params: { dataset: 'fashion-mnist', profile: null, training: DEFAULT_TRAINING_ARGS }, git: readGitInfo(), backend },
      async (run) => {
        const metadata = await trainAndRegister({
          dataDir,
          training: DEFAULT_TRAINING_ARGS,
          registry,
          backend,
          promote: 'always',
          logger,
          callbacks: createTrainingProgressBar(),
          run,
        });
        return { result: metadata };
      },
      logger,
    );
    return { runId, metadata: result };
  } finally {
    database.close();
  }
}

async function ensureFashionMnist(): Promise<string> {
  const found = locateFashionMnist({ env: process.env, cwd: process.cwd() });
  if (found) return found;

  const targetDir = path.resolve(process.env.SNAPCLASS_DATA_DIR ?? 'data/fashion-mnist');
  const baseUrl = resolveDataUrl(process.env);
  logger.info({ baseUrl, targetDir }, 'Fashion-MNIST not found: downloading it');
  await downloadFashionMnist({ baseUrl, targetDir, logger });
  return targetDir;
}

function createStartLogger(): ReturnType<typeof createLogger> {
  try {
    return createLogger({ destination: createBarAwareDestination(process.stdout) });
  } catch (error) {
    process.stderr.write(`start: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
