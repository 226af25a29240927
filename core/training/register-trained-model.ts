import type * as tf from '@tensorflow/tfjs';
import type { LoadedDataset } from '../data/load-dataset.js';
import type { ValidationIssue } from '../data/validation/validate-dataset.js';
import type { ClassificationMetrics } from '../evaluation/metrics.js';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { buildReferenceProfile, REFERENCE_PROFILE_FILE } from '../features/reference-profile.js';
import { readGitInfo } from '../registry/git-info.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ExtraModelFile, ModelRegistry } from '../registry/model-registry.js';
import type { EpochRecord, StopReason, TrainingArgs } from './train-model.js';

/** A trained model with everything its metadata records. */
export interface TrainedModel {
  model: tf.LayersModel;
  preprocessing: PreprocessingParams;
  training: TrainingArgs;
  validationMetrics: ClassificationMetrics;
  history: EpochRecord[];
  bestEpoch: number;
  trainingTimeMs: number;
  stopReason: StopReason;
  /** Names of the trials whose predictions an ensemble averages. */
  ensembleOf?: string[];
}

/** Options of {@link registerTrainedModel}. */
export interface RegisterTrainedModelArgs {
  registry: ModelRegistry;
  trained: TrainedModel;
  dataset: LoadedDataset;
  warnings: ValidationIssue[];
  backend: string;
  runId?: number;
  /** Make the new model production: always, only when there is none (default), or never. */
  promote?: 'always' | 'if-none' | 'never';
  /** The version this model was derived from, such as the production model that a retrained model started from. */
  parentVersion?: string;
  /** More files to save beside the model, such as a retrained model's `lineage.json`. */
  extraFiles?: ExtraModelFile[];
}

/**
 * Registers a trained model with its metadata and the reference profile of its training
 * images (`reference-profile.json`), then promotes it according to `promote`. Does not dispose the
 * model. Returns the registered metadata.
 *
 * @throws RegistryError when writing fails or the promotion checks fail.
 */
export async function registerTrainedModel(args: RegisterTrainedModelArgs): Promise<ModelMetadata> {
  const { registry, trained, dataset } = args;
  const shape = { height: dataset.height, width: dataset.width, channels: dataset.channels };
  const profile = buildReferenceProfile(dataset.train.images, dataset.train.labels, dataset.train.count, shape, dataset.classNames);
  const validation = trained.validationMetrics;

  const metadata = await registry.register(
    trained.model,
    {
      dataset: { id: dataset.id, sha256: dataset.sha256, files: dataset.files },
      split: dataset.split,
      preprocessing: trained.preprocessing,
      classNames: dataset.classNames,
      dataValidation: { warnings: args.warnings.map(({ check, split, count, message }) => ({ check, split, count, message })) },
      referenceProfile: REFERENCE_PROFILE_FILE,
      stopReason: trained.stopReason,
      ensembleOf: trained.ensembleOf,
      runId: args.runId,
      architecture: trained.ensembleOf ? `ensemble of ${trained.ensembleOf.length} ${trained.training.arch}` : trained.training.arch,
      hyperparameters: { ...trained.training },
      metrics: {
        validation: { accuracy: validation.accuracy, macroF1: validation.macroF1, logLoss: validation.logLoss, count: validation.count },
        bestEpoch: trained.bestEpoch,
        history: trained.history.map((record) => ({ ...record })),
      },
      backend: args.backend,
      trainingTimeMs: trained.trainingTimeMs,
      git: readGitInfo(),
      parentVersion: args.parentVersion,
    },
    [{ name: REFERENCE_PROFILE_FILE, content: `${JSON.stringify(profile, null, 1)}\n` }, ...(args.extraFiles ?? [])],
  );

  const promote = args.promote ?? 'if-none';
  if (promote === 'always' || (promote === 'if-none' && registry.productionVersion() === null)) {
    await registry.promote(metadata.version);
  }
  return metadata;
}
