import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec } from '../core/data/load-dataset.js';
import { createLogger } from '../core/logger.js';
import { buildQualityReport } from '../core/quality/build-quality-report.js';
import { loadModelSplits } from '../core/quality/model-data.js';
import { FULL_REPORT_SETTINGS, QUICK_REPORT_SETTINGS } from '../core/quality/report-settings.js';
import { writeQualityReport } from '../core/quality/write-quality-report.js';
import { ModelRegistry } from '../core/registry/model-registry.js';

const program = new Command('report')
  .description(
    'Write reports/<version>/report.html and report.json: slices, corruptions, adversarial attacks, calibration, explanations, confident mistakes and quantized variants.',
  )
  .requiredOption('--model <version>', 'model version, or production')
  .option('--quick', 'smaller samples for a first look (about a minute)', false)
  .option('--save-temperature', 'store the temperature fitted on validation data in the model metadata', false)
  .option('--dataset <spec>', 'data set to load instead of the one in the model metadata (fashion-mnist:DIR or folder:PATH)')
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .option('--reports-dir <dir>', 'folder that receives <version>/report.html', 'reports')
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  model: string;
  quick: boolean;
  saveTemperature: boolean;
  dataset?: string;
  modelsDir: string;
  reportsDir: string;
}>();

const logger = createLogger();
const started = performance.now();
try {
  const backend = await selectBackend({ logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const version = registry.resolve(options.model);
  const stage = registry.list().find((entry) => entry.version === version)?.stage ?? null;
  const { model, metadata } = await registry.load(version);
  try {
    const splits = await loadModelSplits(metadata, {
      env: process.env,
      cwd: process.cwd(),
      dataset: options.dataset ? parseDatasetSpec(options.dataset) : undefined,
      logger,
    });
    const { report, figures } = await buildQualityReport({
      model,
      metadata,
      stage,
      validation: splits.validation,
      test: splits.test,
      settings: options.quick ? QUICK_REPORT_SETTINGS : FULL_REPORT_SETTINGS,
      quick: options.quick,
      backend: backend.name,
      registry,
      saveTemperature: options.saveTemperature,
      logger,
    });
    const written = await writeQualityReport(options.reportsDir, report, figures);
    const seconds = ((performance.now() - started) / 1000).toFixed(0);
    process.stdout.write(
      `Wrote ${written.html} and report.json for ${version} in ${seconds} s: test accuracy ${(report.test.accuracy * 100).toFixed(2)}%, ` +
        `mean corruption accuracy ${(report.corruptions.meanCorruptionAccuracy * 100).toFixed(1)}%, temperature ${report.calibration.temperature.toFixed(3)}.\n`,
    );
  } finally {
    model.dispose();
  }
} catch (error) {
  logger.error({ err: error }, 'report failed');
  process.stderr.write(`report: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
