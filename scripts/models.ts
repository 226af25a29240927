import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { createLogger } from '../core/logger.js';
import { ModelRegistry, summarizeEntry } from '../core/registry/model-registry.js';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
const registry = () => new ModelRegistry(program.opts<{ modelsDir: string }>().modelsDir, logger);

const program = new Command('models')
  .description('List and manage the versions in the model registry.')
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .showHelpAfterError();

program
  .command('list')
  .description('print every version with its stage and validation metrics')
  .option('--json', 'print one JSON object instead of a table', false)
  .action((options: { json: boolean }) => {
    const rows = registry().list().map(summarizeEntry);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ production: registry().productionVersion(), models: rows }, null, 2)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write('The registry is empty. Train a model with `npm run train`.\n');
      return;
    }
    console.table(
      rows.map((row) => ({
        version: row.version,
        stage: row.stage,
        created: row.createdAt ?? '-',
        arch: row.architecture ?? '-',
        'val accuracy': row.metrics ? row.metrics.accuracy.toFixed(4) : '-',
        'val macro-F1': row.metrics ? row.metrics.macroF1.toFixed(4) : '-',
        error: row.error ?? '',
      })),
    );
  });

program
  .command('promote <version>')
  .description('make VERSION the production model, after checking that its files and metrics load')
  .action(async (version: string) => {
    await selectBackend({ logger });
    await registry().promote(version);
    process.stdout.write(`${version} is now the production model. Restart the service to serve it.\n`);
  });

program
  .command('archive <version>')
  .description('move VERSION to the archived stage')
  .action((version: string) => {
    registry().archive(version);
    process.stdout.write(`${version} is archived.\n`);
  });

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`models: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
