import fs from 'node:fs';
import { Command } from 'commander';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadFashionMnist, requireFashionMnist } from '../core/data/fashion-mnist.js';
import { createLogger } from '../core/logger.js';
import { buildBaselineFromData } from '../core/monitoring/baseline-source.js';
import { DRIFT_PRESETS, resolveDriftSchedule } from '../core/monitoring/drift-schedule.js';
import { simulateMonitoring, type SimulationRun } from '../core/monitoring/simulate-monitoring.js';
import { ModelRegistry } from '../core/registry/model-registry.js';
import { parsePositiveInteger } from './lib/cli-options.js';

// Offline false-alarm and detection figures: the monitor's window code over seeded drift
// streams of the Fashion-MNIST test images, without the HTTP service.
const program = new Command('simulate-drift')
  .description('Run drift streams through the monitoring code for many seeds and report false alarms and detection delays.')
  .option('--drift <names>', 'comma-separated presets or .json schedules', Object.keys(DRIFT_PRESETS).join(','))
  .option('--seeds <n>', 'number of seeds per schedule, 1 to n', parsePositiveInteger('--seeds'), 20)
  .option('--window-size <n>', 'predictions per window', parsePositiveInteger('--window-size'), 250)
  .option('--feedback <rate>', 'share of predictions that get feedback', Number.parseFloat, 0.5)
  .option('--feedback-error <rate>', 'share of feedback naming a random wrong class', Number.parseFloat, 0)
  .option('--models-dir <dir>', 'model registry folder', 'models')
  .option('--model <version>', 'model version or production', 'production')
  .option('--out <file>', 'write every run as JSON to this file')
  .showHelpAfterError();

program.parse();
const options = program.opts<{ drift: string; seeds: number; windowSize: number; feedback: number; feedbackError: number; modelsDir: string; model: string; out?: string }>();
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });

try {
  await selectBackend({ logger });
  const registry = new ModelRegistry(options.modelsDir, logger);
  const loaded = await registry.load(options.model);
  const dataDir = requireFashionMnist({ env: process.env, cwd: process.cwd() });
  const started = performance.now();
  const baseline = await buildBaselineFromData({ loaded, registry, dataDir, logger });
  process.stderr.write(`baseline of ${loaded.metadata.version} built in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  const { test } = await loadFashionMnist(dataDir);

  const runs: SimulationRun[] = [];
  for (const name of options.drift.split(',')) {
    const schedule = resolveDriftSchedule(name.trim());
    for (let seed = 1; seed <= options.seeds; seed++) {
      const run = await simulateMonitoring({ loaded, baseline, images: test, schedule, seed, windowSize: options.windowSize, feedbackRate: options.feedback, feedbackErrorRate: options.feedbackError });
      runs.push(run);
      process.stderr.write(`${schedule.name} seed ${seed}: false alarm ${run.falseAlarm}, delay ${run.detectionDelay ?? '-'}, states ${run.windows.map((window) => window.state[0]).join('')}\n`);
      if (options.out) fs.writeFileSync(options.out, `${JSON.stringify({ options, modelVersion: loaded.metadata.version, runs }, null, 1)}\n`);
    }
  }
  process.stdout.write(formatTable(runs));
} catch (error) {
  process.stderr.write(`simulate-drift: ${(error as Error).message}\n`);
  process.exitCode = 1;
}

/** Formats one Markdown row per schedule: false alarms, detections within two windows, and the tests that fired first. */
function formatTable(runs: SimulationRun[]): string {
  const lines = ['| schedule | runs | runs with a false alarm | detected within 2 windows of onset | median delay (windows) | tests that fired at detection |', '|---|---|---|---|---|---|'];
  for (const name of [...new Set(runs.map((run) => run.schedule))]) {
    const group = runs.filter((run) => run.schedule === name);
    const hasDrift = group.some((run) => run.onsetWindow !== null);
    const delays = group.map((run) => run.detectionDelay).filter((delay): delay is number => delay !== null).sort((a, b) => a - b);
    const fired = new Map<string, number>();
    for (const run of group) {
      if (run.detectionDelay === null || run.onsetWindow === null) continue;
      for (const test of run.windows[run.onsetWindow + run.detectionDelay]?.drifted ?? []) fired.set(test, (fired.get(test) ?? 0) + 1);
    }
    const firedText = [...fired.entries()].sort((a, b) => b[1] - a[1]).map(([test, count]) => `${test} (${count})`).join(', ');
    lines.push(
      `| ${name} | ${group.length} | ${group.filter((run) => run.falseAlarm).length} | ${hasDrift ? group.filter((run) => run.detectionDelay !== null && run.detectionDelay <= 1).length : '-'} | ${delays.length ? delays[Math.floor(delays.length / 2)] : '-'} | ${firedText || '-'} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
