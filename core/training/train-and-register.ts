import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { ChecksumTable } from '../data/fashion-mnist.js';
import type { ImageInputArgs } from '../data/folder-dataset.js';
import type { DatasetSpec } from '../data/load-dataset.js';
import type { ValidationLimits } from '../data/validation/validation-limits.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ActiveRun } from '../tracking/track-run.js';
import { prepareTrainingData } from './prepare-training-data.js';
import { defaultTrainingWorkers } from './profiles.js';
import { registerTrainedModel } from './register-trained-model.js';
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
  workers: defaultTrainingWorkers(),
};

/** Options for {@link trainAndRegister}. */
export interface TrainAndRegisterArgs {
  /** Folder with the four Fashion-MNIST IDX files; used when `dataset` is not given. */
  dataDir?: string;
  /** The data set to train on; defaults to Fashion-MNIST in `dataDir`. */
  dataset?: DatasetSpec;
  /** Input size and channels of a folder data set; defaults to 28x28 gray. */
  input?: ImageInputArgs;
  /** Checksums to verify; defaults to the official ones, null skips the check (fixtures). */
  expectedChecksums?: ChecksumTable | null;
  training: TrainingArgs;
  /** Share of the training images held out for validation; defaults to 0.1. */
  validationFraction?: number;
  /** Share of a folder data set held out for test; defaults to 0.1. Fashion-MNIST has its own test images. */
  testFraction?: number;
  /** Saved split of a folder data set; defaults to `<root>/.snapclass-split.json`. */
  splitFile?: string;
  /** Seed of the train/validation split; defaults to 42, independent of the training seed. */
  splitSeed?: number;
  /** Overrides of the data validation limits. */
  validationLimits?: Partial<ValidationLimits>;
  /** Class names the data must have; checked by the validation step when given. */
  expectedClassNames?: string[];
  registry: ModelRegistry;
  /** Name of the TensorFlow.js backend in use, recorded in the metadata. */
  backend: string;
  /** Make the new model production: always, only when there is none (default), or never. */
  promote?: 'always' | 'if-none' | 'never';
  logger?: Logger;
  callbacks?: TrainingCallbacks;
  /** The tracked run to record the data set, epochs, warnings and artifacts in. */
  run?: ActiveRun;
}

/**
 * Loads the data set, validates it (stopping on faults above the limits), splits it (the
 * test images are never used here), trains, and registers the model with its metadata and the
 * training data's reference profile (`reference-profile.json`). Returns the registered metadata.
 *
 * @throws DataValidationError when the data fails validation; nothing is trained then.
 */
export async function trainAndRegister(args: TrainAndRegisterArgs): Promise<ModelMetadata> {
  const logger = args.logger ?? silentLogger;
  const datasetSpec: DatasetSpec = args.dataset ?? { kind: 'fashion-mnist', dir: args.dataDir };
  const { dataset, trainingData, warnings } = await prepareTrainingData({
    dataset: datasetSpec,
    input: args.input,
    expectedChecksums: args.expectedChecksums,
    validationFraction: args.validationFraction,
    testFraction: args.testFraction,
    splitFile: args.splitFile,
    splitSeed: args.splitSeed,
    validationLimits: args.validationLimits,
    expectedClassNames: args.expectedClassNames,
    logger,
  });
  args.run?.update({ datasetId: dataset.id, datasetSha256: dataset.sha256, warnings });
  logger.info({ train: dataset.train.count, validation: dataset.validation.count, split: dataset.split }, 'training data split');

  const callbacks: TrainingCallbacks = {
    ...args.callbacks,
    onEpochEnd: (record) => {
      args.callbacks?.onEpochEnd?.(record);
      const { epoch, ...metrics } = record;
      args.run?.recordEpoch(epoch, metrics);
    },
  };
  const result = await trainModel(trainingData, args.training, callbacks, logger);

  try {
    const metadata = await registerTrainedModel({
      registry: args.registry,
      trained: { ...result, training: args.training },
      dataset,
      warnings,
      backend: args.backend,
      runId: args.run?.id,
      promote: args.promote,
    });
    const validationResult = result.validationMetrics;
    args.run?.update({
      modelVersion: metadata.version,
      artifacts: [`${args.registry.root}/${metadata.version}`],
      metrics: {
        validationAccuracy: validationResult.accuracy,
        validationMacroF1: validationResult.macroF1,
        validationLogLoss: validationResult.logLoss,
        validationExpectedCalibrationError: validationResult.expectedCalibrationError ?? null,
        bestEpoch: result.bestEpoch,
        epochs: result.history.length,
        stopReason: result.stopReason,
        trainingTimeMs: result.trainingTimeMs,
        cpuTimeMs: result.cpuTimeMs,
      },
    });
    return metadata;
  } finally {
    result.model.dispose();
  }
}
