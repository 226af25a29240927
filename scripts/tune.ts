import pino from 'pino';
import { Command, Option } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec } from '../core/data/load-dataset.js';
import { formatTable } from '../core/evaluation/text-table.js';
import { createLogger } from '../core/logger.js';
import { readGitInfo } from '../core/registry/git-info.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { RunStore } from '../core/tracking/run-store.js';
import { trackRun } from '../core/tracking/track-run.js';
import { buildEnsemble } from '../core/training/ensemble.js';
import { prepareTrainingData } from '../core/training/prepare-training-data.js';
import { PROFILE_NAMES, profileTrainingArgs } from '../core/training/profiles.js';
import { registerTrainedModel, type TrainedModel } from '../core/training/register-trained-model.js';
import { applyTrialParams } from '../core/training/search-space.js';
import { evaluateSplit } from '../core/training/train-model.js';
import { TUNE_STRATEGIES, tune, type TrialResult, type TuneStrategy } from '../core/training/tune.js';
import { openDatabase } from '../db/open-database.js';
import { addRegistryOptions, parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';

const program = new Command('tune')
  .description('Search learning rate, width, dropout and augmentation on the validation split, and register the best model (or an ensemble of the best).')
  .requiredOption('--trials <n>', 'number of sampled configurations', parsePositiveInteger('--trials'))
  .requiredOption('--budget-minutes <x>', 'wall-clock budget of all trials together, in minutes', parsePositiveNumber('--budget-minutes'))
  .addOption(new Option('--strategy <name>', 'random search or successive halving').choices(TUNE_STRATEGIES).default('random'))
  .option('--ensemble <k>', 'register the average of the K best trials instead of the best one', parsePositiveInteger('--ensemble'))
  .addOption(new Option('--profile <name>', 'base hyperparameters that the trials vary').choices(PROFILE_NAMES).default('quick'))
  .option('--arch <name>', 'architecture of every trial (default: the profile\'s)')
  .option('--epochs <n>', 'most epochs a trial trains (default: the profile\'s)', parsePositiveInteger('--epochs'))
  .option('--seed <n>', 'seed of the sampling of trial parameters', parsePositiveInteger('--seed'), 1)
  .option('--dataset <spec>', 'fashion-mnist, fashion-mnist:DIR, or folder:PATH', 'fashion-mnist')
  .option('--promote', 'make the registered model production', false)
  .showHelpAfterError();
addRegistryOptions(program);

program.parse();
const options = program.opts<{
  trials: number;
  budgetMinutes: number;
  strategy: TuneStrategy;
  ensemble?: number;
  profile: string;
  arch?: string;
  epochs?: number;
  seed: number;
  dataset: string;
  promote: boolean;
  modelsDir: string;
  db: string;
  json: boolean;
}>();

function trialName(trial: TrialResult): string {
  return `trial-${trial.id}`;
}

// Logs go to standard error, so standard output carries only the result.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'info', destination: pino.destination(2) });
let database: ReturnType<typeof openDatabase> | undefined;
try {
  if (options.ensemble !== undefined && options.ensemble > options.trials) {
    throw new Error(`--ensemble ${options.ensemble} needs at least as many trials, received --trials ${options.trials}.`);
  }
  const base = profileTrainingArgs(options.profile);
  if (options.arch) base.arch = options.arch;
  if (options.epochs) base.epochs = options.epochs;
  const backend = await selectBackend({ logger });
  database = openDatabase({ file: options.db, logger });
  const store = new RunStore(database.db, logger);
  const registry = new ModelRegistry(options.modelsDir, logger);
  const git = readGitInfo();

  const { runId, result } = await trackRun(
    store,
    {
      kind: 'tune',
      command: ['tune', ...process.argv.slice(2)].join(' '),
      params: { ...options, base },
      git,
      backend: backend.name,
    },
    async (run) => {
      const { dataset, trainingData, warnings } = await prepareTrainingData({ dataset: parseDatasetSpec(options.dataset), logger });
      run.update({ datasetId: dataset.id, datasetSha256: dataset.sha256, warnings });

      const trialRuns = new Map<number, number>();
      const tuned = await tune({
        data: trainingData,
        base,
        trials: options.trials,
        budgetMinutes: options.budgetMinutes,
        strategy: options.strategy,
        seed: options.seed,
        keepBest: options.ensemble ?? 1,
        logger,
        onTrialStart: ({ id, rung, params, epochs, budgetMinutes }) => {
          const trialRunId = store.start({
            kind: 'train',
            command: `tune trial ${id}`,
            params: { trial: id, rung, ...params, epochs, budgetMinutes },
            git,
            backend: backend.name,
            parentRunId: run.id,
          });
          store.update(trialRunId, { datasetId: dataset.id, datasetSha256: dataset.sha256 });
          trialRuns.set(id, trialRunId);
        },
        onTrialEnd: (trial, history) => {
          const trialRunId = trialRuns.get(trial.id) as number;
          for (const { epoch, ...metrics } of history) store.recordEpoch(trialRunId, epoch, metrics);
          store.succeed(trialRunId, { metrics: { validationAccuracy: trial.validationAccuracy, validationLogLoss: trial.validationLoss, stopReason: trial.stopReason } });
        },
      });

      const [best] = tuned.kept;
      if (!best) throw new Error('No trial finished within the budget. Raise --budget-minutes or lower --trials.');
      let trained: TrainedModel;
      if (tuned.kept.length >= 2) {
        const ensemble = await buildEnsemble(tuned.kept.map((kept) => kept.model));
        trained = {
          model: ensemble,
          preprocessing: best.preprocessing,
          training: applyTrialParams(base, best.trial.params),
          validationMetrics: await evaluateSplit(ensemble, trainingData.validation, best.preprocessing, trainingData.classNames),
          history: [],
          bestEpoch: 0,
          trainingTimeMs: tuned.kept.reduce((sum, kept) => sum + kept.trial.trainingTimeMs, 0),
          stopReason: best.trial.stopReason,
          ensembleOf: tuned.kept.map((kept) => trialName(kept.trial)),
        };
      } else {
        trained = {
          model: best.model,
          preprocessing: best.preprocessing,
          training: applyTrialParams(base, best.trial.params),
          validationMetrics: await evaluateSplit(best.model, trainingData.validation, best.preprocessing, trainingData.classNames),
          history: [],
          bestEpoch: best.trial.epochs,
          trainingTimeMs: best.trial.trainingTimeMs,
          stopReason: best.trial.stopReason,
        };
      }

      try {
        const metadata = await registerTrainedModel({
          registry,
          trained,
          dataset,
          warnings,
          backend: backend.name,
          runId: run.id,
          promote: options.promote ? 'always' : 'never',
        });
        const summary = {
          modelVersion: metadata.version,
          validationAccuracy: trained.validationMetrics.accuracy,
          validationLogLoss: trained.validationMetrics.logLoss,
          trials: tuned.trials.length,
          best: trialName(best.trial),
          ensembleOf: trained.ensembleOf ?? null,
        };
        return {
          result: { tuned, metadata, summary },
          update: { modelVersion: metadata.version, artifacts: [`${registry.root}/${metadata.version}`], metrics: summary },
        };
      } finally {
        if (trained.ensembleOf) trained.model.dispose();
        for (const kept of tuned.kept) kept.model.dispose();
      }
    },
    logger,
  );

  if (options.json) {
    process.stdout.write(`${JSON.stringify({ runId, ...result.summary, trials: result.tuned.trials }, null, 2)}\n`);
  } else {
    process.stdout.write(
      `${formatTable(
        ['trial', 'round', 'learning rate', 'width', 'dropout', 'augmentation', 'epochs', 'val accuracy', 'val loss', 'time'],
        result.tuned.trials.map((trial) => [
          trialName(trial),
          trial.rung,
          trial.params.learningRate,
          trial.params.width,
          trial.params.dropout,
          trial.params.augmentation,
          trial.epochs,
          trial.validationAccuracy.toFixed(4),
          trial.validationLoss.toFixed(4),
          `${(trial.trainingTimeMs / 1000).toFixed(0)} s`,
        ]),
      )}\n\nRun ${runId} registered ${result.metadata.version} (${result.summary.ensembleOf ? `ensemble of ${result.summary.ensembleOf.join(', ')}` : result.summary.best}): ` +
        `validation accuracy ${result.summary.validationAccuracy.toFixed(4)}.\n`,
    );
  }
} catch (error) {
  logger.error({ err: error }, 'tuning failed');
  process.stderr.write(`tune: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  database?.close();
}
