import { Command, Option } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec } from '../core/data/load-dataset.js';
import { validationLimitsSchema } from '../core/data/validation/validation-limits.js';
import { createLogger } from '../core/logger.js';
import { readGitInfo } from '../core/registry/git-info.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { RunStore } from '../core/tracking/run-store.js';
import { trackRun } from '../core/tracking/track-run.js';
import { ARCHITECTURES } from '../core/training/architectures.js';
import { learningRateScheduleSchema } from '../core/training/learning-rate-schedule.js';
import { PROFILE_NAMES, parseAugmentationSpec, profileTrainingArgs } from '../core/training/profiles.js';
import { DEFAULT_TRAINING_ARGS, trainAndRegister } from '../core/training/train-and-register.js';
import type { TrainingArgs } from '../core/training/train-model.js';
import { openDatabase } from '../db/open-database.js';
import { parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { createBarAwareDestination, createTrainingProgressBar } from './lib/progress-bar.js';

const program = new Command('train')
  .description('Train a classifier on Fashion-MNIST or a folder data set, validate the data first, and register the model as a new version.')
  .option('--dataset <spec>', 'fashion-mnist, fashion-mnist:DIR, or folder:PATH (one subfolder of PNG/JPEG/WebP files per class)', 'fashion-mnist')
  .addOption(new Option('--profile <name>', 'hyperparameter profile; the options below override its values').choices(PROFILE_NAMES))
  .option('--arch <name>', `model architecture: ${ARCHITECTURES.join(', ')}`)
  .option('--epochs <n>', 'maximum number of epochs', parsePositiveInteger('--epochs'))
  .option('--batch-size <n>', 'images per training batch', parsePositiveInteger('--batch-size'))
  .option('--learning-rate <x>', 'base Adam learning rate', parsePositiveNumber('--learning-rate'))
  .option('--seed <n>', 'seed of weight initialisation, dropout, batch order and augmentation', parsePositiveInteger('--seed'))
  .option('--patience <n>', 'epochs without a lower validation loss before stopping (0 = off)', parseNonNegativeInteger('--patience'))
  .option('--dropout <x>', 'dropout rate before the classifier head, in [0, 1)', Number)
  .option('--width <x>', 'multiplier of the filter and unit counts', parsePositiveNumber('--width'))
  .option('--batch-norm', 'batch normalisation after each convolution and hidden dense layer')
  .option('--no-batch-norm', 'no batch normalisation')
  .addOption(new Option('--schedule <kind>', 'learning-rate schedule').choices(['constant', 'cosine', 'step']))
  .option('--augment <spec>', 'none, or e.g. shift=2,flip=0.5,rotate=10,erase=0.25 (pixels, probability, degrees, probability)')
  .option('--max-minutes <x>', 'wall-clock budget of the epochs in minutes', parsePositiveNumber('--max-minutes'))
  .option('--workers <n>', 'worker threads that share each batch, one per core (the full profile uses every core)', parsePositiveInteger('--workers'))
  .option('--input-size <HxW>', 'input height and width of a folder data set, such as 28x28', '28x28')
  .addOption(new Option('--channels <n>', 'input channels of a folder data set: 1 (gray) or 3 (RGB)').choices(['1', '3']).default('1'))
  .option('--validation-fraction <x>', 'share of the training images held out for validation', Number, 0.1)
  .option('--test-fraction <x>', 'share of a folder data set held out for test', Number, 0.1)
  .option('--split-seed <n>', 'seed of the data split', parseNonNegativeInteger('--split-seed'), 42)
  .option('--split-file <path>', 'saved split of a folder data set (default: PATH/.snapclass-split.json)')
  .option('--limit <name=value...>', 'data validation limit, such as maxLeakageFraction=0 (see docs/data-validation.md)')
  .option('--promote', 'make the new model production even when one exists', false)
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .option('--db <file>', 'SQLite file of the run store', process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
  .option('--json', 'print the registered metadata as JSON', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  dataset: string;
  profile?: string;
  arch?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  patience?: number;
  dropout?: number;
  width?: number;
  batchNorm?: boolean;
  schedule?: 'constant' | 'cosine' | 'step';
  augment?: string;
  maxMinutes?: number;
  workers?: number;
  inputSize: string;
  channels: '1' | '3';
  validationFraction: number;
  testFraction: number;
  splitSeed: number;
  splitFile?: string;
  limit?: string[];
  promote: boolean;
  modelsDir: string;
  db: string;
  json: boolean;
}>();

/** Applies the options given on the command line over the profile, or over the defaults without one. */
function resolveTrainingArgs(): TrainingArgs {
  const base = options.profile ? profileTrainingArgs(options.profile) : { ...DEFAULT_TRAINING_ARGS };
  const given = (name: string) => program.getOptionValueSource(name) === 'cli';
  const args: TrainingArgs = { ...base };
  if (options.arch !== undefined) args.arch = options.arch;
  if (options.epochs !== undefined) args.epochs = options.epochs;
  if (options.batchSize !== undefined) args.batchSize = options.batchSize;
  if (options.learningRate !== undefined) args.learningRate = options.learningRate;
  if (options.seed !== undefined) args.seed = options.seed;
  if (options.patience !== undefined) args.earlyStoppingPatience = options.patience;
  if (options.dropout !== undefined) args.dropout = options.dropout;
  if (options.width !== undefined) args.width = options.width;
  if (given('batchNorm')) args.batchNorm = options.batchNorm;
  if (options.schedule !== undefined) args.schedule = learningRateScheduleSchema.parse({ kind: options.schedule });
  if (options.augment !== undefined) args.augmentation = parseAugmentationSpec(options.augment);
  if (options.maxMinutes !== undefined) args.maxTrainingMinutes = options.maxMinutes;
  if (options.workers !== undefined) args.workers = options.workers;
  return args;
}

/** Returns the --models-dir and --db arguments given on the command line, so a printed follow-up command reads the same registry. */
function registryArguments(): string {
  const onCommandLine = (name: string) => program.getOptionValueSource(name) === 'cli';
  return `${onCommandLine('modelsDir') ? ` --models-dir ${options.modelsDir}` : ''}${onCommandLine('db') ? ` --db ${options.db}` : ''}`;
}

function parseInputSize(value: string): { height: number; width: number } {
  const match = /^(\d+)x(\d+)$/.exec(value);
  if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
    throw new Error(`Invalid --input-size "${value}": expected HEIGHTxWIDTH in pixels, such as 28x28.`);
  }
  return { height: Number(match[1]), width: Number(match[2]) };
}

function parseLimits(values: string[] = []): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const value of values) {
    const [name, raw] = value.split('=');
    if (!name || raw === undefined || !Number.isFinite(Number(raw))) throw new Error(`Invalid --limit "${value}": expected NAME=NUMBER.`);
    limits[name] = Number(raw);
  }
  validationLimitsSchema.strict().partial().parse(limits);
  return limits;
}

// Logs go to standard error, so standard output carries only the result (JSON with --json).
const logger = createLogger({ destination: createBarAwareDestination() });
let database: ReturnType<typeof openDatabase> | undefined;
try {
  const training = resolveTrainingArgs();
  const dataset = parseDatasetSpec(options.dataset);
  const input = { ...parseInputSize(options.inputSize), channels: Number(options.channels) as 1 | 3 };
  const validationLimits = parseLimits(options.limit);
  const backend = await selectBackend({ logger });
  database = openDatabase({ file: options.db, logger });
  const store = new RunStore(database.db, logger);
  const registry = new ModelRegistry(options.modelsDir, logger);

  const { runId, result: metadata } = await trackRun(
    store,
    {
      kind: 'train',
      command: ['train', ...process.argv.slice(2)].join(' '),
      params: { dataset: options.dataset, profile: options.profile ?? null, training, input, validationLimits, splitSeed: options.splitSeed },
      git: readGitInfo(),
      backend: backend.name,
    },
    async (run) => {
      const result = await trainAndRegister({
        dataset,
        input,
        training,
        validationFraction: options.validationFraction,
        testFraction: options.testFraction,
        splitSeed: options.splitSeed,
        splitFile: options.splitFile,
        validationLimits,
        registry,
        backend: backend.name,
        promote: options.promote ? 'always' : 'if-none',
        logger,
        callbacks: createTrainingProgressBar({ maxTrainingMinutes: training.maxTrainingMinutes }),
        run,
      });
      return { result };
    },
    logger,
  );

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runId, ...metadata }, null, 2)}\n`);
  } else {
    const { accuracy, macroF1 } = metadata.metrics.validation;
    process.stdout.write(
      `Run ${runId} registered ${metadata.version} (${registry.productionVersion() === metadata.version ? 'production' : 'candidate'}): ` +
        `validation accuracy ${accuracy.toFixed(4)}, macro-F1 ${macroF1.toFixed(4)}, ` +
        `${(metadata.trainingTimeMs / 1000).toFixed(0)} s of training on ${metadata.backend}, stopped by ${metadata.stopReason}.\n` +
        `Score it on the test split with: npm run evaluate -- --model ${metadata.version} --split test${registryArguments()}\n`,
    );
  }
} catch (error) {
  logger.error({ err: error }, 'training failed');
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  database?.close();
}
