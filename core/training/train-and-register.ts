import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { loadFashionMnist, type ChecksumTable } from '../data/fashion-mnist.js';
import { gatherImages, stratifiedSplit } from '../data/split.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import { readGitInfo } from '../registry/git-info.js';
import { trainModel, type TrainingArgs, type TrainingCallbacks } from './train-model.js';

/** Default hyperparameters: the quick model that `npm start` trains when the registry is empty. */
export const DEFAULT_TRAINING_ARGS: TrainingArgs = {
  arch: 'cnn-fast',
  epochs: 5,
  batchSize: 64,
  learningRate: 0.001,
  seed: 42,
  dropout: 0.3,
  earlyStoppingPatience: 3,
};

/** Options for {@link trainAndRegister}. */
export interface TrainAndRegisterArgs {
  /** Folder with the four Fashion-MNIST IDX files. */
  dataDir: string;
  /** Checksums to verify; defaults to the official ones, null skips the check (fixtures). */
  expectedChecksums?: ChecksumTable | null;
  training: TrainingArgs;
  /** Share of the official training images held out for validation; defaults to 0.1. */
  validationFraction?: number;
  /** Seed of the train/validation split; defaults to 42, independent of the training seed. */
  splitSeed?: number;
  registry: ModelRegistry;
  /** Name of the TensorFlow.js backend in use, recorded in the metadata. */
  backend: string;
  /** Make the new model production: always, only when there is none (default), or never. */
  promote?: 'always' | 'if-none' | 'never';
  logger?: Logger;
  callbacks?: TrainingCallbacks;
}

/**
 * Loads Fashion-MNIST, splits the official training images into training and validation
 * parts (the official test images are never used here), trains, and registers the model
 * with its metadata. Returns the registered metadata.
 */
export async function trainAndRegister(args: TrainAndRegisterArgs): Promise<ModelMetadata> {
  const logger = args.logger ?? silentLogger;
  const validationFraction = args.validationFraction ?? 0.1;
  const splitSeed = args.splitSeed ?? 42;
  const dataset = await loadFashionMnist(args.dataDir, { logger, expectedChecksums: args.expectedChecksums });
  const classNames = [...dataset.classNames];

  const split = stratifiedSplit(dataset.train.labels, { validationFraction, seed: splitSeed, classCount: classNames.length });
  const train = gatherImages(dataset.train, split.trainIndices);
  const validation = gatherImages(dataset.train, split.validationIndices);
  logger.info({ train: train.count, validation: validation.count, splitSeed }, 'training data split');

  const result = await trainModel(
    { train, validation, height: train.height, width: train.width, channels: 1, classNames },
    args.training,
    args.callbacks,
    logger,
  );

  try {
    const { validationMetrics: validationResult } = result;
    const metadata = await args.registry.register(result.model, {
      dataset: { id: dataset.id, sha256: dataset.sha256, files: dataset.files },
      split: { seed: splitSeed, validationFraction },
      preprocessing: result.preprocessing,
      classNames,
      architecture: args.training.arch,
      hyperparameters: { ...args.training },
      metrics: {
        validation: {
          accuracy: validationResult.accuracy,
          macroF1: validationResult.macroF1,
          logLoss: validationResult.logLoss,
          count: validationResult.count,
        },
        bestEpoch: result.bestEpoch,
        history: result.history.map((record) => ({ ...record })),
      },
      backend: args.backend,
      trainingTimeMs: result.trainingTimeMs,
      git: readGitInfo(),
    });

    const promote = args.promote ?? 'if-none';
    if (promote === 'always' || (promote === 'if-none' && args.registry.productionVersion() === null)) {
      await args.registry.promote(metadata.version);
    }
    return metadata;
  } finally {
    result.model.dispose();
  }
}
