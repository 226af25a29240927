import { Command, InvalidArgumentError } from 'commander';
import fs from 'node:fs';
import path from 'node:path';
import { selectBackend } from '../core/backend/select-backend.js';
import { parseDatasetSpec } from '../core/data/load-dataset.js';
import { createLogger } from '../core/logger.js';
import { loadModelSplits } from '../core/quality/model-data.js';
import { QUANTIZATION_DTYPES, type QuantizationDtype } from '../core/quality/quantize-weights.js';
import { registerQuantizedVariant } from '../core/quality/quantized-variants.js';
import { ModelRegistry } from '../core/registry/model-registry.js';

function parseDtypes(value: string): QuantizationDtype[] {
  const dtypes = value.split(',').map((name) => name.trim());
  for (const dtype of dtypes) {
    if (!(QUANTIZATION_DTYPES as readonly string[]).includes(dtype)) {
      throw new InvalidArgumentError(`Unknown weight type "${dtype}": use a comma-separated list of ${QUANTIZATION_DTYPES.join(', ')}.`);
    }
  }
  return dtypes as QuantizationDtype[];
}

const program = new Command('optimize')
  .description('Register float16 and 8-bit quantized variants of a model as new candidate versions.')
  .requiredOption('--model <version>', 'model version to quantize, or production')
  .option('--dtypes <list>', `weight types to write: ${QUANTIZATION_DTYPES.join(', ')}`, parseDtypes, [...QUANTIZATION_DTYPES])
  .option('--dataset <spec>', 'data set to load instead of the one in the model metadata (fashion-mnist:DIR or folder:PATH)')
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .showHelpAfterError();

program.parse();
const options = program.opts<{ model: string; dtypes: QuantizationDtype[]; dataset?: string; modelsDir: string }>();

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
try {
  await selectBackend({ logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const version = registry.resolve(options.model);
  const parent = registry.readMetadata(version);
  const { validation } = await loadModelSplits(parent, {
    env: process.env,
    cwd: process.cwd(),
    dataset: options.dataset ? parseDatasetSpec(options.dataset) : undefined,
    logger,
  });
  const weightBytes = (of: string) => fs.statSync(path.join(registry.root, of, 'weights.bin')).size;

  for (const dtype of options.dtypes) {
    const variant = await registerQuantizedVariant({ registry, version, dtype, validation, logger });
    process.stdout.write(
      `Registered ${variant.version} (${dtype} weights of ${version}): weights.bin ${(weightBytes(version) / 1024).toFixed(1)} KiB -> ` +
        `${(weightBytes(variant.version) / 1024).toFixed(1)} KiB, validation accuracy ${(parent.metrics.validation.accuracy * 100).toFixed(2)}% -> ` +
        `${(variant.metrics.validation.accuracy * 100).toFixed(2)}%.\n`,
    );
  }
  process.stdout.write(`Compare them with \`npm run report -- --model ${version}\`; promote one with \`npm run models -- promote VERSION\`.\n`);
} catch (error) {
  logger.error({ err: error }, 'optimize failed');
  process.stderr.write(`optimize: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
