import pino from 'pino';
import { Command, Option } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec, loadDataset, type DatasetSpec } from '../core/data/load-dataset.js';
import { BASELINES, type BaselineName } from '../core/evaluation/baselines.js';
import { evaluateModel, type EvaluationResult } from '../core/evaluation/evaluate-model.js';
import { formatTable } from '../core/evaluation/text-table.js';
import { createLogger } from '../core/logger.js';
import { readGitInfo } from '../core/registry/git-info.js';
import type { ModelMetadata } from '../core/registry/model-metadata.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { RunStore } from '../core/tracking/run-store.js';
import { trackRun } from '../core/tracking/track-run.js';
import { openDatabase } from '../db/open-database.js';
import { addRegistryOptions, parseNonNegativeInteger } from './lib/cli-options.js';

const program = new Command('evaluate')
  .description('Score a registered model on its validation or test split, with calibration, latency and raw-pixel baselines.')
  .option('--model <version>', 'model version, or production', 'production')
  .addOption(new Option('--split <name>', 'split to score').choices(['validation', 'test']).default('test'))
  .option('--dataset <spec>', 'data set to load instead of the one in the model metadata (fashion-mnist:DIR or folder:PATH)')
  .option('--baselines <names>', `comma-separated baselines, or none: ${BASELINES.join(', ')}`, BASELINES.join(','))
  .option('--latency-images <n>', 'images timed one at a time for the latency figures', parseNonNegativeInteger('--latency-images'), 500)
  .showHelpAfterError();
addRegistryOptions(program);

program.parse();
const options = program.opts<{
  model: string;
  split: 'validation' | 'test';
  dataset?: string;
  baselines: string;
  latencyImages: number;
  modelsDir: string;
  db: string;
  json: boolean;
}>();

function parseBaselines(value: string): BaselineName[] {
  if (value === 'none') return [];
  return value.split(',').map((name) => {
    if (!(BASELINES as readonly string[]).includes(name)) throw new Error(`Unknown baseline "${name}": use ${BASELINES.join(', ')} or none.`);
    return name as BaselineName;
  });
}

/** Returns the data set that the model was trained on, as recorded in its metadata. */
function datasetOfModel(metadata: ModelMetadata): DatasetSpec {
  if (metadata.dataset.id === 'fashion-mnist') return { kind: 'fashion-mnist' };
  if (metadata.dataset.id.startsWith('folder:')) return { kind: 'folder', root: metadata.dataset.id.slice('folder:'.length) };
  throw new Error(`Model data set "${metadata.dataset.id}" is unknown here; pass --dataset.`);
}

const percent = (value: number) => `${(value * 100).toFixed(2)}%`;

function printTables(version: string, datasetId: string, result: EvaluationResult, classNames: string[]): void {
  const { metrics, latency } = result;
  const lines = [
    `Model ${version} on the ${options.split} split of ${datasetId} (${metrics.count} images)`,
    '',
    formatTable(
      ['classifier', 'accuracy', 'macro-F1', 'log loss', 'ECE'],
      [
        [version, percent(metrics.accuracy), metrics.macroF1.toFixed(4), metrics.logLoss.toFixed(4), metrics.expectedCalibrationError.toFixed(4)],
        ...result.baselines.map((baseline) => [
          `baseline: ${baseline.name}`,
          percent(baseline.metrics.accuracy),
          baseline.metrics.macroF1.toFixed(4),
          baseline.metrics.logLoss.toFixed(4),
          (baseline.metrics.expectedCalibrationError ?? 0).toFixed(4),
        ]),
      ],
    ),
    '',
    formatTable(
      ['class', 'precision', 'recall', 'F1', 'support'],
      metrics.perClass.map((row) => [row.label, row.precision.toFixed(4), row.recall.toFixed(4), row.f1.toFixed(4), row.support]),
    ),
    '',
    'Confusion matrix (rows: true class, columns: predicted class, in the order above)',
    formatTable(
      ['true \\ predicted', ...classNames.map((_, c) => String(c))],
      metrics.confusionMatrix.map((row, c) => [`${c} ${classNames[c]}`, ...row]),
    ),
    '',
    `Latency per image, one image per call (${latency.count} images): mean ${latency.meanMs.toFixed(2)} ms, ` +
      `p50 ${latency.p50Ms.toFixed(2)} ms, p99 ${latency.p99Ms.toFixed(2)} ms; in batches of 256: ${latency.batchedMeanMs.toFixed(3)} ms.`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

// Logs go to standard error, so standard output carries only the report.
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
let database: ReturnType<typeof openDatabase> | undefined;
try {
  const baselines = parseBaselines(options.baselines);
  const backend = await selectBackend({ logger });
  database = openDatabase({ file: options.db, logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const version = registry.resolve(options.model);

  const { runId, result } = await trackRun(
    new RunStore(database.db, logger),
    {
      kind: 'evaluate',
      command: ['evaluate', ...process.argv.slice(2)].join(' '),
      params: { model: options.model, version, split: options.split, baselines, latencyImages: options.latencyImages, dataset: options.dataset ?? null },
      git: readGitInfo(),
      backend: backend.name,
    },
    async (run) => {
      const { model, metadata } = await registry.load(version);
      try {
        const { preprocessing } = metadata;
        const dataset = await loadDataset(options.dataset ? parseDatasetSpec(options.dataset) : datasetOfModel(metadata), {
          input: { height: preprocessing.height, width: preprocessing.width, channels: preprocessing.channels as 1 | 3 },
          splitSeed: metadata.split.seed,
          validationFraction: metadata.split.validationFraction,
          testFraction: metadata.split.testFraction,
          splitFile: metadata.split.file,
          logger,
        });
        const warnings: string[] = [];
        if (dataset.sha256 !== metadata.dataset.sha256) {
          warnings.push(`The data set hash ${dataset.sha256} differs from the model's ${metadata.dataset.sha256}: the data changed since training.`);
          logger.warn({ expected: metadata.dataset.sha256, received: dataset.sha256 }, warnings[0]);
        }
        run.update({ datasetId: dataset.id, datasetSha256: dataset.sha256, modelVersion: version, warnings });

        const evaluation = await evaluateModel({
          model,
          preprocessing,
          classNames: metadata.classNames,
          evaluated: dataset[options.split],
          train: dataset.train,
          baselines,
          latencyImages: options.latencyImages,
          logger,
        });
        const summary = {
          accuracy: evaluation.metrics.accuracy,
          macroF1: evaluation.metrics.macroF1,
          logLoss: evaluation.metrics.logLoss,
          expectedCalibrationError: evaluation.metrics.expectedCalibrationError,
          latencyMeanMs: evaluation.latency.meanMs,
          latencyP99Ms: evaluation.latency.p99Ms,
          count: evaluation.metrics.count,
          ...Object.fromEntries(evaluation.baselines.map((baseline) => [`baseline:${baseline.name}:accuracy`, baseline.metrics.accuracy])),
        };
        return { result: { evaluation, datasetId: dataset.id, classNames: metadata.classNames, warnings }, update: { metrics: summary } };
      } finally {
        model.dispose();
      }
    },
    logger,
  );

  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ runId, model: version, split: options.split, dataset: result.datasetId, warnings: result.warnings, ...result.evaluation }, null, 2)}\n`,
    );
  } else {
    for (const warning of result.warnings) process.stdout.write(`warning: ${warning}\n`);
    printTables(version, result.datasetId, result.evaluation, result.classNames);
    process.stdout.write(`\nRecorded as run ${runId}.\n`);
  }
} catch (error) {
  logger.error({ err: error }, 'evaluation failed');
  process.stderr.write(`evaluate: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  database?.close();
}
