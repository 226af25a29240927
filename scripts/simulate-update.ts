import pino from 'pino';
import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadFashionMnist, requireFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { startCanary, startShadow } from '../core/lifecycle/rollout-commands.js';
import type { RolloutStatus } from '../core/lifecycle/rollout-status.js';
import { RolloutStore } from '../core/lifecycle/rollout-store.js';
import { retrainModel } from '../core/lifecycle/retraining/retrain-model.js';
import { firstOnset, resolveDriftSchedule, PRESET_RAMP_SECONDS } from '../core/monitoring/drift-schedule.js';
import { generateDriftStream, type StreamItem } from '../core/monitoring/drift-stream.js';
import { createRandom } from '../core/random.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { openDatabase } from '../db/open-database.js';
import { parsePositiveInteger, parsePositiveNumber } from './lib/cli-options.js';
import { accuracyOf, sendTraffic, type TrafficResult } from './lib/simulation-traffic.js';

// The whole update story against a running service: drifting traffic with feedback, the
// monitor's alert, retraining on that feedback, a shadow, a canary, and the automatic promotion
// or rollback. It writes the rollout table and the registry that the service reads, so pass the
// service's --db and --models-dir (or the same SNAPCLASS_DB and SNAPCLASS_MODELS_DIR).
const program = new Command('simulate-update')
  .description('Run drifting traffic, retraining, shadow and canary against a running service and print a timeline.')
  .option('--url <url>', 'base URL of the running service', 'http://127.0.0.1:3000')
  .option('--drift <preset>', 'drift preset or .json schedule of the traffic', 'blur')
  .option('--feedback <rate>', 'share of responses on which simulated users send the true label', Number, 0.5)
  .option('--bad-candidate', 'corrupt 60% of the training labels so the canary gates must roll the candidate back', false)
  .option('--canary-percent <p>', 'percent of users in the canary', parsePositiveNumber('--canary-percent'), 50)
  .option('--base-limit <n>', 'base training images used by the retraining', parsePositiveInteger('--base-limit'), 6000)
  .option('--epochs <n>', 'retraining epochs', parsePositiveInteger('--epochs'), 2)
  .option('--max-canary-images <n>', 'images sent in the canary phase before giving up on a decision', parsePositiveInteger('--max-canary-images'), 4000)
  .option('--seed <n>', 'seed of the stream and of the simulated users', parsePositiveInteger('--seed'), 1)
  .option('--models-dir <dir>', "the service's model registry folder", process.env.SNAPCLASS_MODELS_DIR ?? 'models')
  .option('--db <file>', "the service's SQLite file", process.env.SNAPCLASS_DB ?? 'data/snapclass.db')
  .showHelpAfterError();

program.parse();
const options = program.opts<{
  url: string;
  drift: string;
  feedback: number;
  badCandidate: boolean;
  canaryPercent: number;
  baseLimit: number;
  epochs: number;
  maxCanaryImages: number;
  seed: number;
  modelsDir: string;
  db: string;
}>();

const IMAGES_PER_SECOND = 25;
const CHUNK = 250;
const started = performance.now();
const logger = createLogger({ destination: pino.destination(2), level: process.env.LOG_LEVEL ?? 'warn' });

/** Prints one timeline line with the time since the simulation started. */
function say(message: string): void {
  const seconds = Math.round((performance.now() - started) / 1000);
  process.stdout.write(`[${String(Math.floor(seconds / 60)).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}] ${message}\n`);
}

const percent = (value: number | null) => (value === null ? '-' : `${(value * 100).toFixed(1)}%`);

async function getJson<T>(path: string): Promise<T | null> {
  try {
    const response = await fetch(new URL(path, options.url));
    return response.ok ? ((await response.json()) as T) : null;
  } catch {
    return null;
  }
}

const database = openDatabase({ file: options.db, logger });
try {
  await selectBackend({ logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const store = new RolloutStore(database);
  const context = { store, registry };
  const dataset = await loadFashionMnist(requireFashionMnist({ env: process.env, cwd: process.cwd() }));
  const classNames = dataset.classNames;
  const schedule = resolveDriftSchedule(options.drift);
  const onset = firstOnset(schedule) ?? 0;

  const health = await getJson<unknown>('/healthz');
  if (!health) throw new Error(`No service responds at ${options.url}. Start it with \`npm start\` (same SNAPCLASS_DB and SNAPCLASS_MODELS_DIR) and retry.`);
  const production = registry.productionVersion();
  say(`service at ${options.url} serves ${production}; traffic drifts with "${schedule.name}" from simulated second ${onset}`);

  const stream: StreamItem[] = [];
  for (const batch of generateDriftStream({ images: dataset.test, classNames, schedule, seed: options.seed, durationSeconds: 400 })) stream.push(...batch.items);
  const random = createRandom(options.seed + 1);
  let position = 0;
  const send = async (count: number) => {
    const items = stream.slice(position, position + count);
    const results = await sendTraffic({ url: options.url, items, classNames, concurrency: 8, feedbackRate: options.feedback, random, offset: position, users: 1000 });
    position += items.length;
    return results;
  };

  // 1. Traffic before and after the drift, until the monitor raises its alert.
  const driftStart = onset * IMAGES_PER_SECOND;
  const fullDrift = (onset + PRESET_RAMP_SECONDS) * IMAGES_PER_SECOND;
  const phaseOne: TrafficResult[] = [];
  let alerted = false;
  let lastState = '';
  while (position < fullDrift + 1000 && !(alerted && position >= fullDrift + 500)) {
    const results = await send(CHUNK);
    phaseOne.push(...results);
    const summary = await getJson<{ state: string; drift?: { tests?: { name: string; drifted: boolean }[] }; performance?: { accuracy?: number | null } }>('/v1/monitoring/summary');
    const state = summary?.state ?? 'unavailable';
    say(`images ${position - CHUNK}-${position - 1}${position > driftStart ? ' (drifting)' : ''}: accuracy ${percent(accuracyOf(results))}, monitor state ${state}`);
    if (state !== lastState && (state === 'drift' || state === 'warning')) {
      const fired = summary?.drift?.tests?.filter((test) => test.drifted).map((test) => test.name) ?? [];
      say(`ALERT: monitor state ${state}${fired.length ? ` (${fired.join(', ')})` : ''}`);
      alerted ||= state === 'drift';
    }
    lastState = state;
  }
  const cleanAccuracy = accuracyOf(phaseOne.slice(0, driftStart));
  const driftedAccuracy = accuracyOf(phaseOne.slice(fullDrift));
  say(`production ${production}: accuracy ${percent(cleanAccuracy)} before the drift, ${percent(driftedAccuracy)} under it; ${phaseOne.filter((r) => r.feedbackSent).length} feedback sent`);

  // 2. Retraining on the feedback.
  say(`retraining from ${production} on labelled feedback${options.badCandidate ? ', with 60% of the labels corrupted on purpose' : ''}`);
  const { metadata, lineage } = await retrainModel({
    registry,
    database,
    warmStart: true,
    training: { epochs: options.epochs },
    baseTrainLimit: options.baseLimit,
    labelNoise: options.badCandidate ? 0.6 : 0,
    backend: 'simulation',
    logger,
  });
  const candidate = metadata.version;
  const holdout = lineage.evaluation.productionHoldout;
  say(
    `registered ${candidate}: ${lineage.data.production.train} production images for training, ${holdout.count} newest held out; ` +
      `held-out accuracy ${percent(holdout.candidate?.accuracy ?? null)} vs ${percent(holdout.parent?.accuracy ?? null)} for ${production}; ` +
      `test ${percent(lineage.evaluation.test.candidate?.accuracy ?? null)} vs ${percent(lineage.evaluation.test.parent?.accuracy ?? null)}`,
  );

  // 3. Shadow: the candidate classifies copies while users get production's predictions.
  const shadow = startShadow(context, candidate);
  await waitForRouting(shadow.id);
  say(`shadow of ${candidate} started (rollout ${shadow.id})`);
  const shadowResults = await send(500);
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const shadowStatus = await getJson<RolloutStatus>('/v1/rollout');
  const summary = shadowStatus?.shadow;
  say(
    `shadow: ${summary?.compared ?? 0} copies, agreement ${percent(summary?.agreement ?? null)}, ${summary?.failed ?? 0} failed; users got ${new Set(shadowResults.map((r) => r.modelVersion)).size === 1 ? `only ${production}` : 'mixed versions'}; ` +
      `production p99 ${summary?.productionLatencyMs.p99?.toFixed(1) ?? '-'} ms, shadow call p99 ${summary?.candidateLatencyMs.p99?.toFixed(1) ?? '-'} ms`,
  );
  const disagreements = (summary?.perClass ?? []).filter((entry) => entry.disagreed > 0).sort((a, b) => b.disagreed / b.answered - a.disagreed / a.answered).slice(0, 3);
  if (disagreements.length) say(`most disagreement: ${disagreements.map((entry) => `${classNames[entry.classIndex]} ${entry.disagreed}/${entry.answered}`).join(', ')}`);
  store.finish(shadow.id, 'stopped', `shadow of ${candidate} finished: moving to a canary`);

  // 4. Canary with automatic gates.
  const gates = { minLabelled: 150, maxLabelled: 1500, minRequests: 100, maxP99LatencyRatio: 2 };
  const canary = startCanary(context, { version: candidate, percent: options.canaryPercent, gates, automatic: true });
  await waitForRouting(canary.id);
  say(`canary of ${candidate} for ${options.canaryPercent}% of users (rollout ${canary.id}), gates ${JSON.stringify(gates)}`);
  const canaryResults: TrafficResult[] = [];
  let seenEvents = new Set<number>();
  let outcome: string | null = null;
  while (canaryResults.length < options.maxCanaryImages && outcome === null) {
    canaryResults.push(...(await send(CHUNK)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const status = await getJson<RolloutStatus>('/v1/rollout');
    for (const event of [...(status?.events ?? [])].reverse()) {
      if (event.rolloutId !== canary.id || seenEvents.has(event.id) || event.kind === 'started') continue;
      seenEvents.add(event.id);
      say(event.message);
      if (event.kind === 'gate_decision') {
        const checks = (event.details.checks as { reason: string }[] | undefined) ?? [];
        for (const check of checks) say(`  ${check.reason}`);
      }
    }
    const current = store.get(canary.id);
    if (current && current.status !== 'active') outcome = current.status;
  }
  seenEvents = new Set();

  const served = canaryResults.filter((result) => result.modelVersion === candidate);
  const stayed = canaryResults.filter((result) => result.modelVersion === production);
  say(`canary traffic: ${candidate} ${percent(accuracyOf(served))} on ${served.length} images, ${production} ${percent(accuracyOf(stayed))} on ${stayed.length}`);
  if (outcome === 'promoted') say(`PROMOTED: ${candidate} is production; the service serves it now (registry: ${registry.productionVersion()})`);
  else if (outcome === 'rolled_back') say(`ROLLED BACK: ${candidate} is archived; ${production} serves every user`);
  else say(`no decision after ${canaryResults.length} images; the canary is still active`);

  const after = await send(CHUNK);
  say(`after the decision: ${after.filter((r) => r.status === 201).length}/${after.length} answered, all by ${[...new Set(after.map((r) => r.modelVersion))].join(', ')}, accuracy ${percent(accuracyOf(after))}`);
  const failed = [...phaseOne, ...shadowResults, ...canaryResults, ...after].filter((result) => result.status !== 201).length;
  say(`failed requests during the whole run: ${failed}`);
  if (cleanAccuracy !== null && driftedAccuracy !== null && cleanAccuracy > driftedAccuracy) {
    const retrained = accuracyOf(served);
    if (retrained !== null) say(`recovery: the drift cost ${percent(cleanAccuracy - driftedAccuracy)}; ${candidate} recovers ${percent((retrained - driftedAccuracy) / (cleanAccuracy - driftedAccuracy))} of it on live drifted traffic`);
  }
} catch (error) {
  process.stderr.write(`simulate-update: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  database.close();
}

/** Waits until `GET /v1/rollout` shows rollout `id` as active, so traffic meets the new routing. */
async function waitForRouting(id: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const status = await getJson<{ routedRolloutId: number | null }>('/v1/rollout');
    if (status?.routedRolloutId === id) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`The service did not show rollout ${id} within 10 s. Check that it uses the database ${options.db}.`);
}
