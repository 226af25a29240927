import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { requireFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { ARCHITECTURES } from '../core/training/architectures.js';
import { DEFAULT_TRAINING_ARGS, trainAndRegister } from '../core/training/train-and-register.js';
import { parseNonNegativeInteger, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { createTrainingProgressBar } from './lib/progress-bar.js';


const program = new Command('train')
  .description('Train a classifier on Fashion-MNIST and register it as a new model version.')
  .option('--epochs <n>', 'maximum number of epochs', parsePositiveInteger('--epochs'), DEFAULT_TRAINING_ARGS.epochs)
  .option('--batch-size <n>', 'images per training batch', parsePositiveInteger('--batch-size'), DEFAULT_TRAINING_ARGS.batchSize)
  .option('--learning-rate <x>', 'Adam learning rate', parsePositiveNumber('--learning-rate'), DEFAULT_TRAINING_ARGS.learningRate)
  .option('--seed <n>', 'seed of weight initialisation, dropout and batch order', parsePositiveInteger('--seed'), DEFAULT_TRAINING_ARGS.seed)
  .option('--arch <name>', `model architecture: ${ARCHITECTURES.join(', ')}`, DEFAULT_TRAINING_ARGS.arch)
  .option('--patience <n>', 'epochs without a lower validation loss before stopping (0 = off)', parseNonNegativeInteger('--patience'), DEFAULT_TRAINING_ARGS.earlyStoppingPatience)
  .option('--promote', 'make the new model production even when one exists', false)
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  arch: string;
  patience: number;
  promote: boolean;
  modelsDir: string;
}>();

const logger = createLogger();
try {
  const backend = await selectBackend({ logger });
  const dataDir = requireFashionMnist({ env: process.env, cwd: process.cwd() });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const metadata = await trainAndRegister({
    dataDir,
    training: {
      arch: options.arch,
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      seed: options.seed,
      dropout: DEFAULT_TRAINING_ARGS.dropout,
      earlyStoppingPatience: options.patience,
    },
    registry,
    backend: backend.name,
    promote: options.promote ? 'always' : 'if-none',
    logger,
    callbacks: createTrainingProgressBar(),
  });
  const { accuracy, macroF1 } = metadata.metrics.validation;
  process.stdout.write(
    `Registered ${metadata.version} (${registry.productionVersion() === metadata.version ? 'production' : 'candidate'}): ` +
      `validation accuracy ${accuracy.toFixed(4)}, macro-F1 ${macroF1.toFixed(4)}, ` +
      `${(metadata.trainingTimeMs / 1000).toFixed(0)} s on ${metadata.backend}.\n`,
  );
} catch (error) {
  logger.error({ err: error }, 'training failed');
  process.stderr.write(`train: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
