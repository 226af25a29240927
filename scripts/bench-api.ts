import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Command } from 'commander';
import sharp from 'sharp';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadServiceConfig } from '../core/config.js';
import { loadFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { ModelRegistry, type LoadedModel } from '../core/registry/model-registry.js';
import { predictProbabilities } from '../core/serving/predict-probabilities.js';
import { DEFAULT_TRAINING_ARGS, trainAndRegister } from '../core/training/train-and-register.js';
import { parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';

// Drives POST /v1/predictions with autocannon at several concurrencies, using real 28x28 PNGs
// of Fashion-MNIST test images. It prints requests per second and p50/p99 latency beside the
// in-process batched predict rate of the same model, measured in the same run. Without --url
// it starts the service (scripts/start.ts) itself on a free port and a temporary database.

const MINI_DATA_DIR = path.resolve(import.meta.dirname, '../tests/fixtures/fashion-mnist-mini');

const program = new Command('bench:api')
  .description('Measure the prediction API under concurrent load against the in-process model.')
  .option('--url <url>', 'base URL of a running service (default: start one)')
  .option('--models-dir <dir>', 'model registry of the service (default: $SNAPCLASS_MODELS_DIR or models)')
  .option('--connections <list>', 'comma-separated concurrencies', '1,8,64')
  .option('--duration <seconds>', 'seconds of load per concurrency', parsePositiveNumber('--duration'), 10)
  .option('--log-level <level>', 'LOG_LEVEL of a service started here', 'warn')
  .option('--batch-size <n>', 'in-process batch size (default: $SNAPCLASS_BATCH_MAX_SIZE or 32)', parsePositiveInteger('--batch-size'))
  .showHelpAfterError();
program.parse();
const options = program.opts<{ url?: string; modelsDir?: string; connections: string; duration: number; logLevel: string; batchSize?: number }>();

/** The fields of autocannon's result that this script reads (autocannon 8). */
interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<LoadResult>;

// Module specifier kept in a variable because autocannon ships no type declarations.
const AUTOCANNON_MODULE = 'autocannon';

const logger = createLogger({ level: 'warn' });
const temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'snapclass-bench-api-'));
let child: ChildProcess | undefined;

try {
  const config = loadServiceConfig();
  const batchSize = options.batchSize ?? config.batchMaxSize;
  const connections = options.connections.split(',').map((text) => parsePositiveInteger('--connections')(text.trim()));
  const backend = await selectBackend({ logger });
  const registry = new ModelRegistry(await resolveModelsDir(options.modelsDir ?? config.modelsDir, backend.name), logger);

  const dbFile = path.join(temporary, 'snapclass.db');
  const url = options.url ?? (await startService(registry.root, dbFile));
  const version = ((await (await fetch(new URL('/v1/models', url))).json()) as { production: string }).production;
  const loaded = await registry.load(version);
  const bodies = await encodeTestImages();

  const cpus = os.cpus();
  print(`machine     ${cpus.length} x ${cpus[0]?.model ?? 'unknown CPU'}, load average ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  print(`model       ${version} (${loaded.metadata.architecture}) on the ${backend.name} backend, service batch size ${batchSize}`);
  print(`service     ${url}${options.url ? '' : ` (started here, LOG_LEVEL=${options.logLevel})`}`);

  const rateBefore = await measureInProcess(loaded, batchSize);
  print(`in process  ${rateBefore.toFixed(0)} images/s (batches of ${batchSize}, PNG decoding not included)\n`);

  const autocannon = ((await import(AUTOCANNON_MODULE)) as { default: Autocannon }).default;
  const warmUp = await runLoad(autocannon, url, bodies, 8, 2);
  print('connections  requests/s  p50 ms  p99 ms  non-2xx  errors  load average before');
  const results = new Map<number, LoadResult>();
  for (const count of connections) {
    const loadBefore = os.loadavg()[0]!.toFixed(2);
    const result = await runLoad(autocannon, url, bodies, count, options.duration);
    results.set(count, result);
    print(
      `${String(count).padStart(11)}  ${result.requests.average.toFixed(0).padStart(10)}  ${result.latency.p50.toFixed(1).padStart(6)}  ` +
        `${result.latency.p99.toFixed(1).padStart(6)}  ${String(result.non2xx).padStart(7)}  ${String(result.errors + result.timeouts).padStart(6)}  ${loadBefore.padStart(19)}`,
    );
  }

  // Measured again because other jobs on a shared machine change the rate during the run.
  const rateAfter = await measureInProcess(loaded, batchSize);
  const inProcessRate = (rateBefore + rateAfter) / 2;
  print(`\nin process after the load: ${rateAfter.toFixed(0)} images/s; the targets use the mean, ${inProcessRate.toFixed(0)} images/s`);
  print(`load average at the end: ${os.loadavg().map((n) => n.toFixed(2)).join(' ')}`);
  printTargets(results, inProcessRate);
  if (!options.url) printStoredRows(dbFile, [warmUp, ...results.values()]);
} catch (error) {
  process.stderr.write(`bench:api: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await stopService();
  fs.rmSync(temporary, { recursive: true, force: true });
}

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Returns a registry folder with a production model; trains cnn-small on the committed sample when `dir` has none. */
async function resolveModelsDir(dir: string, backendName: string): Promise<string> {
  if (options.url || new ModelRegistry(dir).productionVersion() !== null) return dir;

  const root = path.join(temporary, 'models');
  print(`no production model in ${dir}: training ${DEFAULT_TRAINING_ARGS.arch} for 1 epoch on the committed sample (speed, not accuracy, matters here)`);
  await trainAndRegister({
    dataDir: MINI_DATA_DIR,
    expectedChecksums: null,
    training: { ...DEFAULT_TRAINING_ARGS, epochs: 1 },
    registry: new ModelRegistry(root),
    backend: backendName,
    promote: 'always',
  });
  return root;
}

/** Starts scripts/start.ts under tsx on a free port and returns its URL. */
async function startService(modelsDir: string, dbFile: string): Promise<string> {
  const started = spawn(process.execPath, ['--import', 'tsx', path.resolve(import.meta.dirname, 'start.ts')], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0', SNAPCLASS_DB: dbFile, SNAPCLASS_MODELS_DIR: modelsDir, LOG_LEVEL: options.logLevel },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child = started;
  return new Promise<string>((resolve, reject) => {
    let output = '';
    started.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /snapclass is serving \S+ at (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
      // Reading every chunk keeps the service from stalling on a full pipe.
      if (output.length > 65_536) output = output.slice(-4096);
    });
    started.on('exit', (code) => reject(new Error(`The service exited with code ${code} before it listened. Its output:\n${output}`)));
  });
}

async function stopService(): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child!.on('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Encodes the 200 test images of the committed sample as PNG request bodies. */
async function encodeTestImages(): Promise<Buffer[]> {
  const { test } = await loadFashionMnist(MINI_DATA_DIR, { expectedChecksums: null });
  const size = test.width * test.height;
  return Promise.all(
    Array.from({ length: test.count }, (_, index) =>
      sharp(test.images.subarray(index * size, (index + 1) * size), { raw: { width: test.width, height: test.height, channels: 1 } })
        .png()
        .toBuffer(),
    ),
  );
}

/** Images per second of predictProbabilities over the test images, after one warm-up pass. */
async function measureInProcess(loaded: LoadedModel, batchSize: number): Promise<number> {
  const { test } = await loadFashionMnist(MINI_DATA_DIR, { expectedChecksums: null });
  const params = loaded.metadata.preprocessing;
  await predictProbabilities(loaded.model, test.images, test.count, params, batchSize);

  let images = 0;
  const started = performance.now();
  while (performance.now() - started < 3000) {
    await predictProbabilities(loaded.model, test.images, test.count, params, batchSize);
    images += test.count;
  }
  return images / ((performance.now() - started) / 1000);
}

function runLoad(autocannon: Autocannon, url: string, bodies: Buffer[], connections: number, duration: number): Promise<LoadResult> {
  return autocannon({
    url: new URL('/v1/predictions?source=bench', url).toString(),
    connections,
    duration,
    requests: bodies.map((body) => ({ method: 'POST', headers: { 'content-type': 'image/png' }, body })),
  });
}

function printTargets(results: Map<number, LoadResult>, inProcessRate: number): void {
  const at64 = results.get(64);
  const at8 = results.get(8);
  if (at64) {
    const share = at64.requests.average / inProcessRate;
    print(`target: 64 connections reach half the in-process rate: ${(share * 100).toFixed(0)}% ${share >= 0.5 ? 'met' : 'NOT met'}`);
  }
  if (at8) {
    print(`target: p99 under 25 ms at 8 connections: ${at8.latency.p99.toFixed(1)} ms ${at8.latency.p99 < 25 ? 'met' : 'NOT met'}`);
  }
}

/**
 * Prints the stored rows beside the 2xx responses of every run, warm-up included. There can be
 * more rows than responses but never fewer, because autocannon stops counting at the end of a
 * run while the requests still in flight are stored.
 */
function printStoredRows(dbFile: string, results: LoadResult[]): void {
  const db = new Database(dbFile, { readonly: true });
  try {
    const stored = (db.prepare("SELECT COUNT(*) AS n FROM predictions WHERE source = 'bench'").get() as { n: number }).n;
    const succeeded = results.reduce((sum, result) => sum + result['2xx'], 0);
    const verdict = stored >= succeeded ? 'no stored row missing' : 'ROWS MISSING';
    print(`rows stored: ${stored} for ${succeeded} responses with 2xx, warm-up included: ${verdict}`);
  } finally {
    db.close();
  }
}
