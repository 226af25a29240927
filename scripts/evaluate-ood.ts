import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadFashionMnist, requireFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { buildBaselineFromData } from '../core/monitoring/baseline-source.js';
import { evaluateOutOfDistribution } from '../core/monitoring/evaluate-out-of-distribution.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { createRandom } from '../core/random.js';
import { parsePositiveInteger } from './lib/cli-options.js';

// Measures the out-of-distribution detector: Fashion-MNIST test images against generated
// faces, digits and blank pages sent through the service's upload decoding.
const program = new Command('evaluate-ood')
  .description('Measure the out-of-distribution detector (AUROC and flagged shares) of a model.')
  .option('--models-dir <dir>', 'model registry folder', 'models')
  .option('--model <version>', 'model version or production', 'production')
  .option('--count <n>', 'Fashion-MNIST test images', parsePositiveInteger('--count'), 2000)
  .option('--per-kind <n>', 'generated images of each kind', parsePositiveInteger('--per-kind'), 200)
  .option('--seed <n>', 'seed of the generated images', parsePositiveInteger('--seed'), 1)
  .option('--json', 'print the report as JSON', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{ modelsDir: string; model: string; count: number; perKind: number; seed: number; json: boolean }>();
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

try {
  await selectBackend({ logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const loaded = await registry.load(options.model);
  const dataDir = requireFashionMnist({ env: process.env, cwd: process.cwd() });
  const baseline = await buildBaselineFromData({ loaded, registry, dataDir, logger });
  const { test } = await loadFashionMnist(dataDir);
  const count = Math.min(options.count, test.count);
  const report = await evaluateOutOfDistribution({ loaded, baseline, images: test.images, count, perKind: options.perKind, random: createRandom(options.seed) });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ modelVersion: loaded.metadata.version, ...report })}\n`);
  } else {
    const lines = [`model ${loaded.metadata.version}: ${count} Fashion-MNIST test images, ${(report.falsePositiveRate * 100).toFixed(1)}% flagged`, '| kind | images | AUROC | flagged |', '|---|---|---|---|'];
    for (const kind of report.kinds) lines.push(`| ${kind.kind} | ${kind.count} | ${kind.auroc.toFixed(3)} | ${(kind.flagged * 100).toFixed(1)}% |`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
} catch (error) {
  process.stderr.write(`evaluate-ood: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
