import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { createLogger } from '../core/logger.js';
import { ModelRegistry, summarizeEntry } from '../core/registry/model-registry.js';
import { promoteVersion, rollBack, startCanary, startExperiment, startShadow, type RolloutCommandContext } from '../core/lifecycle/rollout-commands.js';
import { buildRolloutStatus } from '../core/lifecycle/rollout-status.js';
import { RolloutStore } from '../core/lifecycle/rollout-store.js';
import { openDatabase } from '../db/open-database.js';
import { parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { formatRolloutStatus } from './lib/format-rollout-status.js';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
const registry = () => new ModelRegistry(program.opts<{ modelsDir: string }>().modelsDir, logger);

/** Runs `command` with the rollout table of the database that the service polls, then closes it. */
async function withRollouts<T>(command: (context: RolloutCommandContext) => T | Promise<T>): Promise<T> {
  const database = openDatabase({ file: program.opts<{ db: string }>().db, logger });
  try {
    return await command({ store: new RolloutStore(database), registry: registry() });
  } finally {
    database.close();
  }
}

/** Gate settings from the canary options; unset options keep their defaults. */
function gateOptions(options: { gates?: string; minLabelled?: number; maxLabelled?: number; margin?: number; alpha?: number; maxErrorRate?: number; maxP99Ratio?: number; maxP99Ms?: number }): Record<string, unknown> {
  const fromJson = options.gates ? (JSON.parse(options.gates) as Record<string, unknown>) : {};
  const fields = {
    minLabelled: options.minLabelled,
    maxLabelled: options.maxLabelled,
    accuracyMargin: options.margin,
    alpha: options.alpha,
    maxErrorRate: options.maxErrorRate,
    maxP99LatencyRatio: options.maxP99Ratio,
    maxP99LatencyMs: options.maxP99Ms,
  };
  return { ...fromJson, ...Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) };
}

const program = new Command('models')
  .description('List and manage the versions in the model registry.')
  .option('--models-dir <dir>', 'model registry folder', process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .option('--db <file>', 'SQLite file that the service reads its rollout from', process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
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
  .description('make VERSION the production model, after checking that its files and metrics load; ends a rollout of VERSION as promoted')
  .action(async (version: string) => {
    await selectBackend({ logger });
    const previous = await withRollouts((context) => promoteVersion(context, version));
    process.stdout.write(`${version} is now the production model (was ${previous ?? 'none'}). A running service serves it within a second.\n`);
  });

program
  .command('shadow <version>')
  .description('send a copy of every production request to VERSION; users keep getting production predictions')
  .action(async (version: string) => {
    const rollout = await withRollouts((context) => startShadow(context, version));
    process.stdout.write(`Rollout ${rollout.id}: ${version} shadows production ${rollout.productionVersion}. See \`npm run models -- status\`.\n`);
  });

program
  .command('canary <version>')
  .description('let VERSION answer a share of users, chosen by a stable hash of their user id; repeat with another --percent to ramp')
  .requiredOption('--percent <p>', 'percent of users that VERSION serves, above 0 and at most 100', parsePositiveNumber('--percent'))
  .option('--manual', 'only report the gates; promote or roll back by hand', false)
  .option('--gates <json>', 'gate settings as JSON, such as {"minLabelled":500} (see docs/lifecycle.md)')
  .option('--min-labelled <n>', 'labelled predictions per arm before the accuracy gate decides (default 200)', parsePositiveInteger('--min-labelled'))
  .option('--max-labelled <n>', 'labelled predictions per arm after which an undecided candidate is rolled back (default 2000)', parsePositiveInteger('--max-labelled'))
  .option('--margin <x>', 'largest accepted accuracy drop against production, as a proportion (default 0.02)', Number)
  .option('--alpha <x>', 'significance level of the one-sided accuracy tests (default 0.05)', Number)
  .option('--max-error-rate <x>', 'largest accepted share of failed requests (default 0.01)', Number)
  .option('--max-p99-ratio <x>', "largest accepted p99 latency as a multiple of production's (default 1.5)", parsePositiveNumber('--max-p99-ratio'))
  .option('--max-p99-ms <ms>', 'largest accepted p99 latency in milliseconds (default: no absolute limit)', parsePositiveNumber('--max-p99-ms'))
  .action(async (version: string, options: { percent: number; manual: boolean; gates?: string }) => {
    const rollout = await withRollouts((context) => startCanary(context, { version, percent: options.percent, gates: gateOptions(options), automatic: !options.manual }));
    process.stdout.write(`Rollout ${rollout.id}: ${version} serves ${rollout.percent}% of users${rollout.automatic ? '; the service promotes or rolls it back when the gates decide' : ''}.\n`);
  });

program
  .command('ab <a> <b>')
  .description('split users between versions A and B and test the difference in feedback accuracy')
  .option('--split <p>', 'percent of users that B serves', parsePositiveNumber('--split'), 50)
  .action(async (versionA: string, versionB: string, options: { split: number }) => {
    const rollout = await withRollouts((context) => startExperiment(context, { versionA, versionB, split: options.split }));
    process.stdout.write(`Rollout ${rollout.id}: A ${versionA} serves ${100 - rollout.percent}% and B ${versionB} ${rollout.percent}% of users.\n`);
  });

program
  .command('status')
  .description('print the active or latest rollout: arms, gates or A/B test, shadow agreement and the log')
  .option('--json', 'print one JSON object', false)
  .action(async (options: { json: boolean }) => {
    const status = await withRollouts((context) => buildRolloutStatus(context.store, context.registry.productionVersion()));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      return;
    }
    const production = status.productionVersion ? registry().readMetadata(status.productionVersion) : null;
    process.stdout.write(formatRolloutStatus(status, production?.classNames));
  });

program
  .command('rollback')
  .description('end the active rollout so production serves everyone, or else return to the previous production version')
  .action(async () => {
    await selectBackend({ logger });
    const result = await withRollouts((context) => rollBack(context));
    if (result.kind === 'rollout') process.stdout.write(`Rollout ${result.rollout.id} rolled back: ${result.rollout.productionVersion} serves every user again.\n`);
    else process.stdout.write(`Production rolled back from ${result.from} to ${result.to}. A running service serves it within a second.\n`);
  });

program
  .command('archive <version>')
  .description('move VERSION to the archived stage')
  .option('--force', 'archive even the production model, which leaves the service none to load', false)
  .action((version: string, options: { force: boolean }) => {
    if (registry().productionVersion() === version && !options.force) {
      throw new Error(
        `${version} is the production model; archiving it leaves none, so the next \`npm start\` trains a new one. ` +
          'Promote another version first, or pass --force.',
      );
    }
    registry().archive(version);
    process.stdout.write(`${version} is archived.\n`);
  });

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`models: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
