import pino from 'pino';
import { Command } from 'commander';
import { formatTable } from '../core/evaluation/text-table.js';
import { createLogger } from '../core/logger.js';
import { RunStore, type RunDetail, type RunRecord } from '../core/tracking/run-store.js';
import { compareRuns } from '../core/tracking/compare-runs.js';
import { openDatabase } from '../db/open-database.js';
import { parsePositiveInteger } from './lib/cli-options.js';

const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });

const program = new Command('runs')
  .description('List, show and compare the tracked train, tune and evaluate runs.')
  .option('--db <file>', 'SQLite file of the run store', process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
  .showHelpAfterError();

/** Opens the run store, marks runs of dead processes as failed, and closes the database after `use`. */
function withStore<T>(use: (store: RunStore) => T): T {
  const database = openDatabase({ file: program.opts<{ db: string }>().db, logger });
  try {
    const store = new RunStore(database.db, logger);
    store.markStaleRuns();
    return use(store);
  } finally {
    database.close();
  }
}

const print = (text: string) => process.stdout.write(`${text}\n`);
function formatNumber(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value !== 'number') return String(value);
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}
const duration = (run: RunRecord) =>
  run.endedAt ? `${((Date.parse(run.endedAt) - Date.parse(run.startedAt)) / 1000).toFixed(0)} s` : 'running';

/** Picks the headline metric of a run for the list: test or validation accuracy. */
function headlineAccuracy(run: RunRecord): string {
  const metrics = run.metrics ?? {};
  const value = metrics.accuracy ?? metrics.validationAccuracy;
  return typeof value === 'number' ? value.toFixed(4) : '-';
}

program
  .command('list')
  .description('print the newest runs with kind, status, model version and accuracy')
  .option('--limit <n>', 'number of runs', parsePositiveInteger('--limit'), 20)
  .option('--json', 'print JSON instead of a table', false)
  .action((options: { limit: number; json: boolean }) => {
    const runs = withStore((store) => store.list({ limit: options.limit }));
    if (options.json) {
      print(JSON.stringify(runs, null, 2));
      return;
    }
    if (runs.length === 0) {
      print('No runs yet. Train a model with `npm run train`.');
      return;
    }
    print(
      formatTable(
        ['id', 'kind', 'status', 'started', 'duration', 'model', 'accuracy', 'dataset', 'commit', 'parent'],
        runs.map((run) => [
          run.id,
          run.kind,
          run.status,
          run.startedAt.replace('T', ' ').slice(0, 19),
          duration(run),
          run.modelVersion ?? '-',
          headlineAccuracy(run),
          run.datasetId ?? '-',
          run.gitCommit ? `${run.gitCommit.slice(0, 8)}${run.gitDirty ? '+dirty' : ''}` : '-',
          run.parentRunId ?? '-',
        ]),
      ),
    );
  });

program
  .command('show <id>')
  .description('print one run with its parameters, metrics, epochs, warnings and artifacts')
  .option('--json', 'print JSON instead of tables', false)
  .action((id: string, options: { json: boolean }) => {
    const run = withStore((store) => store.get(parseRunId(id)));
    print(options.json ? JSON.stringify(run, null, 2) : describeRun(run));
  });

program
  .command('compare <first> <second>')
  .description('print two runs side by side: parameters and metrics that differ first')
  .option('--json', 'print JSON instead of a table', false)
  .action((first: string, second: string, options: { json: boolean }) => {
    const [a, b] = withStore((store) => [store.get(parseRunId(first)), store.get(parseRunId(second))]);
    const rows = compareRuns(a as RunDetail, b as RunDetail);
    if (options.json) {
      print(JSON.stringify({ runs: [a?.id, b?.id], rows }, null, 2));
      return;
    }
    print(formatTable(['field', `run ${a?.id}`, `run ${b?.id}`, 'differs'], rows.map((row) => [row.field, formatNumber(row.first), formatNumber(row.second), row.differs ? '*' : ''])));
  });

function parseRunId(value: string): number {
  const id = Number(value);
  if (!Number.isInteger(id) || id < 1) throw new Error(`Invalid run id "${value}": expected a positive integer from \`npm run runs -- list\`.`);
  return id;
}

function describeRun(run: RunDetail): string {
  const lines = [
    `Run ${run.id}: ${run.kind}, ${run.status}${run.error ? ` (${run.error})` : ''}`,
    `command:  ${run.command}`,
    `started:  ${run.startedAt}   ended: ${run.endedAt ?? '-'}   duration: ${duration(run)}`,
    `code:     ${run.gitCommit ?? 'unknown commit'}${run.gitDirty ? ' with uncommitted changes' : ''}`,
    `data:     ${run.datasetId ?? '-'} sha256 ${run.datasetSha256 ?? '-'}`,
    `backend:  ${run.backend ?? '-'}   model: ${run.modelVersion ?? '-'}   pid ${run.pid} on ${run.hostname}`,
    '',
    'Parameters',
    JSON.stringify(run.params, null, 2),
    '',
    'Final metrics',
    run.metrics ? formatTable(['metric', 'value'], Object.entries(run.metrics).map(([name, value]) => [name, formatNumber(value)])) : '-',
  ];
  if (run.epochs.length > 0) {
    const names = Object.keys(run.epochs[0]?.metrics ?? {});
    lines.push('', 'Epochs', formatTable(['epoch', ...names], run.epochs.map((epoch) => [epoch.epoch, ...names.map((name) => formatNumber(epoch.metrics[name]))])));
  }
  lines.push('', `Warnings: ${run.warnings.length === 0 ? 'none' : ''}`, ...run.warnings.map((warning) => `- ${typeof warning === 'string' ? warning : (warning as { message?: string }).message ?? JSON.stringify(warning)}`));
  lines.push(`Artifacts: ${run.artifacts.length === 0 ? 'none' : run.artifacts.join(', ')}`);
  return lines.join('\n');
}

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`runs: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
