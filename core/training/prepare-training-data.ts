import { silentLogger, type Logger } from '../logger.js';
import { loadDataset, toValidationInput, type DatasetSpec, type LoadDatasetArgs, type LoadedDataset } from '../data/load-dataset.js';
import { assertValidDataset } from '../data/validation/errors.js';
import { validateDataset, type ValidationIssue } from '../data/validation/validate-dataset.js';
import { validationLimitsSchema, type ValidationLimits } from '../data/validation/validation-limits.js';
import type { TrainingData } from './train-model.js';

/** Options of {@link prepareTrainingData}: where the data comes from and how strict validation is. */
export interface PrepareTrainingDataArgs extends LoadDatasetArgs {
  dataset: DatasetSpec;
  /** Overrides of the default validation limits. */
  validationLimits?: Partial<ValidationLimits>;
  /** Class names the data must have, such as those of the production model; not checked when absent. */
  expectedClassNames?: string[];
}

/** A loaded, validated data set and the training view of it. */
export interface PreparedTrainingData {
  dataset: LoadedDataset;
  trainingData: TrainingData;
  /** Validation issues below their limits, for the run record and the model metadata. */
  warnings: ValidationIssue[];
}

/**
 * Loads a data set and passes it through the validation step that every training run goes
 * through. Issues below their limits are logged as warnings and returned.
 *
 * @throws DataValidationError with the full report when any fault is above its limit.
 * @throws the loader's errors for a missing or unreadable data set.
 */
export async function prepareTrainingData(args: PrepareTrainingDataArgs): Promise<PreparedTrainingData> {
  const logger = (args.logger ?? silentLogger).child({ component: 'data' });
  const dataset = await loadDataset(args.dataset, args);

  const limits = validationLimitsSchema.parse(args.validationLimits ?? {});
  const started = performance.now();
  const report = validateDataset(toValidationInput(dataset, args.expectedClassNames), limits);
  for (const issue of [...report.errors, ...report.warnings]) {
    logger.warn({ check: issue.check, split: issue.split, count: issue.count, severity: issue.severity }, issue.message);
  }
  logger.info(
    { errors: report.errors.length, warnings: report.warnings.length, ms: Math.round(performance.now() - started) },
    'data validation finished',
  );
  const warnings = assertValidDataset(report);

  return {
    dataset,
    warnings,
    trainingData: {
      train: dataset.train,
      validation: dataset.validation,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
      classNames: dataset.classNames,
    },
  };
}
