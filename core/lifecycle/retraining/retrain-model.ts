import type { DatabaseHandle } from '../../../db/open-database.js';
import type { ChecksumTable } from '../../data/fashion-mnist.js';
import { loadDataset, type DatasetSpec } from '../../data/load-dataset.js';
import { assertValidDataset } from '../../data/validation/errors.js';
import { validateDataset } from '../../data/validation/validate-dataset.js';
import { validationLimitsSchema, type ValidationLimits } from '../../data/validation/validation-limits.js';
import type { ClassificationMetrics } from '../../evaluation/metrics.js';
import { silentLogger, type Logger } from '../../logger.js';
import type { ModelMetadata } from '../../registry/model-metadata.js';
import type { ModelRegistry } from '../../registry/model-registry.js';
import type { ActiveRun } from '../../tracking/track-run.js';
import { registerTrainedModel } from '../../training/register-trained-model.js';
import { evaluateSplit, trainModel, type LabelledImages, type TrainingArgs, type TrainingCallbacks } from '../../training/train-model.js';
import { LifecycleError } from '../errors.js';
import { readLabelledBatches, readLabelledFeedback, type LabelledProductionImage } from './production-data.js';
import { buildRetrainingData, corruptLabels, type RetrainingDataSummary } from './retraining-data.js';

/** Name of the lineage file saved beside a retrained model. */
export const LINEAGE_FILE = 'lineage.json';

/** Options of {@link retrainModel}. */
export interface RetrainArgs {
  registry: ModelRegistry;
  /** The service's database, read for predictions with labelled feedback. */
  database: DatabaseHandle;
  /** The base training data; defaults to Fashion-MNIST found as `npm run data` describes. */
  dataset?: DatasetSpec;
  expectedChecksums?: ChecksumTable | null;
  /** Folders of labelled production batches (one subfolder per class). */
  labelledBatchDirs?: string[];
  /** The version to start from and compare against; defaults to production. */
  parentVersion?: string;
  /** Start from the parent's weights and preprocessing (default) instead of from scratch. */
  warmStart?: boolean;
  /** Hyperparameter overrides; the rest come from the parent's metadata, see {@link retrainingArgs}. */
  training?: Partial<TrainingArgs>;
  holdoutFraction?: number;
  productionValidationFraction?: number;
  productionWeight?: number;
  baseTrainLimit?: number;
  /** Minimum number of labelled production images, after deduplication, to retrain on; defaults to 50. */
  minProductionImages?: number;
  validationLimits?: Partial<ValidationLimits>;
  /** Share of training labels replaced by a wrong class on purpose, for rollout drills; defaults to 0. */
  labelNoise?: number;
  backend: string;
  run?: ActiveRun;
  callbacks?: TrainingCallbacks;
  logger?: Logger;
}

/** Accuracy and macro-F1 of the candidate and its parent on one evaluation set. */
export interface EvaluationPair {
  count: number;
  candidate: { accuracy: number; macroF1: number } | null;
  parent: { accuracy: number; macroF1: number } | null;
}

/** Lineage of a retrained model, saved as `lineage.json` beside it. */
export interface Lineage {
  parentVersion: string;
  warmStart: boolean;
  runId: number | null;
  data: RetrainingDataSummary;
  skipped: { unknownLabel: number; wrongSize: number };
  labelNoise: number;
  training: TrainingArgs;
  evaluation: { test: EvaluationPair; productionHoldout: EvaluationPair & { from: string | null; to: string | null } };
}

/** The registered candidate and its lineage. */
export interface RetrainResult {
  metadata: ModelMetadata;
  lineage: Lineage;
}

/**
 * Builds a candidate from the base training data plus labelled production data (predictions
 * with labelled feedback and labelled batches). The data passes the same validation step as
 * every training run. The base test split and the most recent production images are kept out
 * of training, and both the candidate and its parent are evaluated on them. The candidate is
 * registered (never promoted) with its parent version, run id and `lineage.json`.
 *
 * @throws LifecycleError `retraining_data_invalid` with fewer than `minProductionImages` usable images.
 * @throws DataValidationError when the combined data fails validation; nothing is trained then.
 */
export async function retrainModel(args: RetrainArgs): Promise<RetrainResult> {
  const logger = (args.logger ?? silentLogger).child({ component: 'retraining' });
  const parentVersion = args.registry.resolve(args.parentVersion ?? 'production');
  const parent = await args.registry.load(parentVersion);
  try {
    const { height, width, channels } = parent.metadata.preprocessing;
    const base = await loadDataset(args.dataset ?? { kind: 'fashion-mnist' }, { expectedChecksums: args.expectedChecksums, logger });
    const classNames = parent.metadata.classNames;

    const feedback = readLabelledFeedback(args.database, classNames, height * width * channels);
    const batches = await readLabelledBatches(args.labelledBatchDirs ?? [], classNames, { height, width, channels: channels as 1 | 3 }, logger);
    const production: LabelledProductionImage[] = [...feedback.images, ...batches.images];
    const data = buildRetrainingData({
      base,
      production,
      holdoutFraction: args.holdoutFraction,
      validationFraction: args.productionValidationFraction,
      productionWeight: args.productionWeight,
      baseTrainLimit: args.baseTrainLimit,
      seed: args.training?.seed ?? 42,
    });
    const usable = data.summary.production.train + data.summary.production.validation + data.summary.production.holdout;
    if (usable < (args.minProductionImages ?? 50)) {
      throw new LifecycleError(
        'retraining_data_invalid',
        `Only ${usable} labelled production images are usable (of ${production.length} read); retraining needs ${args.minProductionImages ?? 50}. Collect more feedback with labels or pass --labelled-batch DIR.`,
      );
    }
    logger.info({ ...data.summary.production, skipped: feedback.skipped }, 'retraining data assembled');

    const report = validateDataset(data.toValidate, validationLimitsSchema.parse(args.validationLimits ?? {}));
    for (const issue of [...report.errors, ...report.warnings]) logger.warn({ check: issue.check, split: issue.split, count: issue.count, severity: issue.severity }, issue.message);
    const warnings = assertValidDataset(report);
    args.run?.update({ datasetId: `${base.id}+production`, datasetSha256: data.summary.production.idsSha256, warnings });

    const labelNoise = args.labelNoise ?? 0;
    if (labelNoise > 0) {
      const changed = corruptLabels(data.trainingData.train, classNames.length, labelNoise, (args.training?.seed ?? 42) + 1);
      logger.warn({ labelNoise, changed }, 'training labels corrupted on purpose for a rollout drill');
    }

    const warmStart = args.warmStart ?? true;
    const training = retrainingArgs(parent.metadata, warmStart, args.training);
    const callbacks: TrainingCallbacks = {
      ...args.callbacks,
      onEpochEnd: (record) => {
        args.callbacks?.onEpochEnd?.(record);
        const { epoch, ...metrics } = record;
        args.run?.recordEpoch(epoch, metrics);
      },
    };
    const result = await trainModel(data.trainingData, training, callbacks, args.logger, warmStart ? { model: parent.model, preprocessing: parent.metadata.preprocessing } : undefined);

    try {
      const [candidateTest, parentTest, candidateHoldout, parentHoldout] = await Promise.all([
        evaluateSplit(result.model, data.test, result.preprocessing, classNames),
        evaluateSplit(parent.model, data.test, parent.metadata.preprocessing, classNames),
        evaluateIfAny(result.model, data.holdout, result.preprocessing, classNames),
        evaluateIfAny(parent.model, data.holdout, parent.metadata.preprocessing, classNames),
      ]);
      const lineage: Lineage = {
        parentVersion,
        warmStart,
        runId: args.run?.id ?? null,
        data: data.summary,
        skipped: { unknownLabel: feedback.skipped.unknownLabel, wrongSize: feedback.skipped.wrongSize + batches.skipped.wrongSize },
        labelNoise,
        training,
        evaluation: {
          test: { count: data.test.count, candidate: brief(candidateTest), parent: brief(parentTest) },
          productionHoldout: { count: data.holdout.count, from: data.holdout.from, to: data.holdout.to, candidate: brief(candidateHoldout), parent: brief(parentHoldout) },
        },
      };

      const metadata = await registerTrainedModel({
        registry: args.registry,
        trained: { ...result, training },
        dataset: { ...base, id: `${base.id}+production`, sha256: data.summary.production.idsSha256, train: data.trainingData.train, validation: data.trainingData.validation },
        warnings,
        backend: args.backend,
        runId: args.run?.id,
        promote: 'never',
        parentVersion,
        extraFiles: [{ name: LINEAGE_FILE, content: `${JSON.stringify(lineage, null, 1)}\n` }],
      });
      args.run?.update({
        modelVersion: metadata.version,
        artifacts: [`${args.registry.root}/${metadata.version}`],
        metrics: {
          validationAccuracy: result.validationMetrics.accuracy,
          testAccuracy: candidateTest.accuracy,
          parentTestAccuracy: parentTest.accuracy,
          holdoutAccuracy: candidateHoldout?.accuracy ?? null,
          parentHoldoutAccuracy: parentHoldout?.accuracy ?? null,
          bestEpoch: result.bestEpoch,
          trainingTimeMs: result.trainingTimeMs,
        },
      });
      logger.info({ modelVersion: metadata.version, parentVersion, evaluation: lineage.evaluation }, 'retrained candidate registered');
      return { metadata, lineage };
    } finally {
      result.model.dispose();
    }
  } finally {
    parent.model.dispose();
  }
}

/**
 * Hyperparameters of a retraining run: the parent's architecture settings, so warm-start
 * weights fit, with `overrides` on top. A warm start defaults to 3 epochs at learning rate
 * 0.0003 with patience 1, because it fine-tunes weights that already fit the base data.
 */
export function retrainingArgs(parent: ModelMetadata, warmStart: boolean, overrides: Partial<TrainingArgs> = {}): TrainingArgs {
  const recorded = parent.hyperparameters as Partial<TrainingArgs>;
  const architecture = {
    arch: parent.architecture.startsWith('ensemble') ? (recorded.arch ?? 'cnn-fast') : parent.architecture,
    width: recorded.width,
    batchNorm: recorded.batchNorm,
    dropout: recorded.dropout,
  };
  const schedule = warmStart ? { epochs: 3, learningRate: 0.0003, earlyStoppingPatience: 1 } : { epochs: recorded.epochs ?? 5, learningRate: recorded.learningRate ?? 0.001, earlyStoppingPatience: recorded.earlyStoppingPatience ?? 3 };
  const merged = { ...architecture, batchSize: recorded.batchSize ?? 64, seed: recorded.seed ?? 42, ...schedule, augmentation: recorded.augmentation, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined)) as unknown as TrainingArgs;
}

async function evaluateIfAny(...args: Parameters<typeof evaluateSplit>): Promise<ClassificationMetrics | null> {
  return args[1].count === 0 ? null : evaluateSplit(...args);
}

function brief(metrics: ClassificationMetrics | null): { accuracy: number; macroF1: number } | null {
  return metrics ? { accuracy: metrics.accuracy, macroF1: metrics.macroF1 } : null;
}
