import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec } from '../core/data/load-dataset.js';
import { createLogger } from '../core/logger.js';
import { retrainModel, type Lineage } from '../core/lifecycle/retraining/retrain-model.js';
import { readGitInfo } from '../core/registry/git-info.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { RunStore } from '../core/tracking/run-store.js';
import { trackRun } from '../core/tracking/track-run.js';
import type { TrainingArgs } from '../core/training/train-model.js';
import { openDatabase } from '../db/open-database.js';
import { parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { createBarAwareDestination, createTrainingProgressBar } from './lib/progress-bar.js';

const program = new Command('retrain')
  .description(
    'Build a candidate from the training data plus labelled production data (feedback with labels, labelled batches), validate it, ' +
      'evaluate it beside its parent on the test split and on the newest production images, and register it with its lineage.',
  )
  .option('--dataset <spec>', 'base training data: fashion-mnist, fashion-mnist:DIR or folder:PATH', 'fashion-mnist')
  .option('--labelled-batch <dir...>', 'folder of labelled production images, one subfolder per class; repeatable')
  .option('--parent <version>', 'version to start from and compare against', 'production')
  .option('--no-warm-start', "train from scratch instead of fine-tuning the parent's weights")
  .option('--epochs <n>', 'maximum number of epochs (default 3 with a warm start, else the parent’s)', parsePositiveInteger('--epochs'))
  .option('--learning-rate <x>', 'base Adam learning rate (default 0.0003 with a warm start, else the parent’s)', parsePositiveNumber('--learning-rate'))
  .option('--batch-size <n>', 'images per training batch (default: the parent’s)', parsePositiveInteger('--batch-size'))
  .option('--seed <n>', 'seed of batch order, data mixing and augmentation', parsePositiveInteger('--seed'))
  .option('--max-minutes <x>', 'wall-clock budget of the epochs in minutes', parsePositiveNumber('--max-minutes'))
  .option('--holdout-fraction <x>', 'share of the newest production images kept out for evaluation', Number, 0.2)
  .option('--production-weight <n>', 'times each production training image is repeated', parsePositiveInteger('--production-weight'), 5)
  .option('--base-limit <n>', 'largest number of base training images, drawn at random (default: all)', parsePositiveInteger('--base-limit'))
  .option('--min-production <n>', 'least number of usable labelled production images', parseNonNegativeInteger('--min-production'), 50)
  .option('--label-noise <x>', 'share of training labels replaced by a wrong class on purpose, for rollout drills only', Number, 0)
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .option('--db <file>', 'SQLite file of the service (feedback) and of the run store', process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
  .option('--json', 'print the registered version and its lineage as JSON', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  dataset: string;
  labelledBatch?: string[];
  parent: string;
  warmStart: boolean;
  epochs?: number;
  learningRate?: number;
  batchSize?: number;
  seed?: number;
  maxMinutes?: number;
  holdoutFraction: number;
  productionWeight: number;
  baseLimit?: number;
  minProduction: number;
  labelNoise: number;
  modelsDir: string;
  db: string;
  json: boolean;
}>();

// Logs go to standard error, so standard output carries only the result (JSON with --json).
const logger = createLogger({ destination: createBarAwareDestination() });
let database: ReturnType<typeof openDatabase> | undefined;
try {
  if (!(options.holdoutFraction >= 0 && options.holdoutFraction < 1)) throw new Error(`Invalid --holdout-fraction ${options.holdoutFraction}: give a share from 0 up to but not including 1.`);
  if (!(options.labelNoise >= 0 && options.labelNoise <= 1)) throw new Error(`Invalid --label-noise ${options.labelNoise}: give a share from 0 to 1.`);
  const overrides: Partial<TrainingArgs> = {};
  if (options.epochs !== undefined) overrides.epochs = options.epochs;
  if (options.learningRate !== undefined) overrides.learningRate = options.learningRate;
  if (options.batchSize !== undefined) overrides.batchSize = options.batchSize;
  if (options.seed !== undefined) overrides.seed = options.seed;
  if (options.maxMinutes !== undefined) overrides.maxTrainingMinutes = options.maxMinutes;

  const dataset = parseDatasetSpec(options.dataset);
  const backend = await selectBackend({ logger });
  database = openDatabase({ file: options.db, logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const handle = database;

  const { runId, result } = await trackRun(
    new RunStore(handle.db, logger),
    {
      kind: 'train',
      command: ['retrain', ...process.argv.slice(2)].join(' '),
      params: { ...options, retrain: true, training: overrides },
      git: readGitInfo(),
      backend: backend.name,
    },
    async (run) => ({
      result: await retrainModel({
        registry,
        database: handle,
        dataset,
        labelledBatchDirs: options.labelledBatch,
        parentVersion: options.parent,
        warmStart: options.warmStart,
        training: overrides,
        holdoutFraction: options.holdoutFraction,
        productionWeight: options.productionWeight,
        baseTrainLimit: options.baseLimit,
        minProductionImages: options.minProduction,
        labelNoise: options.labelNoise,
        backend: backend.name,
        run,
        callbacks: options.json ? undefined : createTrainingProgressBar(),
        logger,
      }),
    }),
    logger,
  );

  if (options.json) process.stdout.write(`${JSON.stringify({ runId, version: result.metadata.version, lineage: result.lineage }, null, 2)}\n`);
  else process.stdout.write(formatSummary(runId, result.metadata.version, result.lineage));
} catch (error) {
  logger.error({ err: error }, 'retraining failed');
  process.stderr.write(`retrain: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  database?.close();
}

function formatSummary(runId: number, version: string, lineage: Lineage): string {
  const production = lineage.data.production;
  const pair = (scores: { candidate: { accuracy: number } | null; parent: { accuracy: number } | null }) =>
    `${scores.candidate?.accuracy.toFixed(4) ?? '-'} (parent ${lineage.parentVersion}: ${scores.parent?.accuracy.toFixed(4) ?? '-'})`;
  return [
    `Run ${runId} registered candidate ${version}, ${lineage.warmStart ? 'fine-tuned from' : 'trained beside'} ${lineage.parentVersion}.`,
    `production images: ${production.received} read, ${production.train} for training (x${production.productionWeight}), ${production.validation} for validation, ${production.holdout} held out; ${production.droppedDuplicates} repeats and ${production.droppedLeakage} copies of evaluation images left out`,
    `test accuracy             ${pair(lineage.evaluation.test)}`,
    `newest production images  ${pair(lineage.evaluation.productionHoldout)}`,
    lineage.labelNoise > 0 ? `WARNING: ${lineage.labelNoise} of the training labels were corrupted on purpose (--label-noise).` : '',
    `Try it without risk: npm run models -- shadow ${version}`,
    '',
  ]
    .filter((line, index, lines) => line !== '' || index === lines.length - 1)
    .join('\n');
}
