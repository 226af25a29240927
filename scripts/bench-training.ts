import os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { Command, Option } from 'commander';
import pino from 'pino';
import { selectBackend } from '../core/backend/select-backend.js';
import { loadDataset } from '../core/data/load-dataset.js';
import { fitPreprocessing, pixelsToTensor } from '../core/features/preprocessing.js';
import { createLogger } from '../core/logger.js';
import { buildModel } from '../core/training/architectures.js';
import { PROFILE_NAMES, profileTrainingArgs } from '../core/training/profiles.js';
import { trainModel, type TrainingData } from '../core/training/train-model.js';
import { parsePositiveInteger } from './lib/cli-options.js';

// Times training steps of a profile's model on one fixed batch of Fashion-MNIST training images.
// It runs first on the backend that selectBackend picks, then on the plain JavaScript cpu backend.
// It prints wall and CPU time per batch and the epoch times they imply for the 54,000 training
// images. CPU time varies less than wall time on a shared machine, because training uses one thread.

const program = new Command('bench-training')
  .description('Time training steps of a profile model on the selected backend and on the cpu backend, on the same batch.')
  .addOption(new Option('--profile <name>', 'profile whose model and batch size are timed').choices(PROFILE_NAMES).default('quick'))
  .option('--batches <n>', 'timed steps on the selected backend', parsePositiveInteger('--batches'), 30)
  .option('--cpu-batches <n>', 'timed steps on the cpu backend, which is much slower', parsePositiveInteger('--cpu-batches'), 3)
  .option('--no-batch-norm', 'time the profile model without batch normalisation')
  .option('--workers <n>', 'also time whole training batches with this many data-parallel workers beside one worker', parsePositiveInteger('--workers'))
  .option('--worker-batches <n>', 'batches that each --workers timing trains; the first 20 are warm-up and not timed', parsePositiveInteger('--worker-batches'), 120)
  .option('--json', 'print JSON', false)
  .showHelpAfterError();

program.parse();
const options = program.opts<{ profile: string; batches: number; cpuBatches: number; batchNorm: boolean; workers?: number; workerBatches: number; json: boolean }>();
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', destination: pino.destination(2) });
const TRAINING_IMAGES = 54_000;

/** Times `steps` training steps after two untimed warm-up steps; returns wall and CPU ms per step. */
async function timeSteps(inputs: tf.Tensor4D, targets: tf.Tensor2D, steps: number): Promise<{ wallMs: number; cpuMs: number }> {
  const training = profileTrainingArgs(options.profile);
  const batchNorm = options.batchNorm && training.batchNorm;
  const model = buildModel(training.arch, { inputShape: [28, 28, 1], classCount: 10, seed: 1, width: training.width, batchNorm, dropout: training.dropout });
  const optimizer = tf.train.adam(training.learningRate);
  model.compile({ optimizer, loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
  try {
    for (let i = 0; i < 2; i++) await model.trainOnBatch(inputs, targets);
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    for (let i = 0; i < steps; i++) await model.trainOnBatch(inputs, targets);
    const cpu = process.cpuUsage(cpuStarted);
    return { wallMs: (performance.now() - started) / steps, cpuMs: (cpu.user + cpu.system) / 1000 / steps };
  } finally {
    optimizer.dispose();
    model.dispose();
  }
}

interface BackendTiming {
  backend: string;
  msPerBatch: number;
  cpuMsPerBatch: number;
  epochSeconds: number;
  cpuEpochSeconds: number;
}

async function timeOn(backend: string, steps: number, pixels: Uint8Array, labels: Uint8Array, batchSize: number): Promise<BackendTiming> {
  const preprocessing = fitPreprocessing(pixels, { height: 28, width: 28, channels: 1 });
  const inputs = pixelsToTensor(pixels, batchSize, preprocessing);
  const targets = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(labels), 'int32'), 10) as tf.Tensor2D);
  try {
    const { wallMs, cpuMs } = await timeSteps(inputs, targets, steps);
    const batches = Math.ceil(TRAINING_IMAGES / batchSize);
    return { backend, msPerBatch: wallMs, cpuMsPerBatch: cpuMs, epochSeconds: (wallMs * batches) / 1000, cpuEpochSeconds: (cpuMs * batches) / 1000 };
  } finally {
    tf.dispose([inputs, targets]);
  }
}

/** Batches of each --workers timing that are not timed: a new worker compiles the wasm module anew, and V8 optimises it while the first batches run. */
const WARM_UP_BATCHES = 20;

/** Training images per second of the profile's training loop with `workers` workers, timed from the end of the warm-up batches to the last batch. */
async function timeWorkers(workers: number, data: TrainingData): Promise<{ workers: number; imagesPerSecond: number }> {
  const training = profileTrainingArgs(options.profile);
  const batchEnds: number[] = [];
  const args = { ...training, batchNorm: options.batchNorm && training.batchNorm, epochs: 1, maxTrainingMinutes: undefined, workers };
  const result = await trainModel(data, args, { onBatchEnd: () => batchEnds.push(performance.now()) });
  result.model.dispose();
  const warmUp = Math.min(WARM_UP_BATCHES, batchEnds.length - 2);
  const timedImages = (batchEnds.length - 1 - warmUp) * training.batchSize;
  return { workers, imagesPerSecond: timedImages / ((batchEnds.at(-1)! - batchEnds[warmUp]!) / 1000) };
}

const selected = await selectBackend({ logger });
const dataset = await loadDataset({ kind: 'fashion-mnist' }, { logger });
const { batchSize } = profileTrainingArgs(options.profile);
const pixels = dataset.train.images.slice(0, batchSize * 784);
const labels = dataset.train.labels.slice(0, batchSize);

const results = [await timeOn(selected.name, options.batches, pixels, labels, batchSize)];
if (selected.name !== 'cpu') {
  await tf.setBackend('cpu');
  results.push(await timeOn('cpu', options.cpuBatches, pixels, labels, batchSize));
}
const workerResults = [];
if (options.workers !== undefined) {
  const imageCount = options.workerBatches * batchSize;
  const data: TrainingData = {
    train: { images: dataset.train.images.slice(0, imageCount * 784), labels: dataset.train.labels.slice(0, imageCount), count: imageCount },
    validation: { images: dataset.train.images.slice(imageCount * 784, (imageCount + 256) * 784), labels: dataset.train.labels.slice(imageCount, imageCount + 256), count: 256 },
    height: 28,
    width: 28,
    channels: 1,
    classNames: dataset.classNames,
  };
  await selectBackend({ logger });
  workerResults.push(await timeWorkers(1, data), await timeWorkers(options.workers, data));
}
const machine = { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg().map((value) => Number(value.toFixed(2))) };

if (options.json) {
  process.stdout.write(`${JSON.stringify({ profile: options.profile, batchNorm: options.batchNorm, batchSize, machine, results, workerResults }, null, 2)}\n`);
} else {
  for (const result of results) {
    process.stdout.write(
      `${options.profile} profile model${options.batchNorm ? '' : ' without batch normalisation'} on ${result.backend}: ${result.msPerBatch.toFixed(1)} ms wall (${result.cpuMsPerBatch.toFixed(1)} ms CPU) ` +
        `per batch of ${batchSize}, ${result.epochSeconds.toFixed(0)} s wall (${result.cpuEpochSeconds.toFixed(0)} s CPU) per epoch of ${TRAINING_IMAGES} images\n`,
    );
  }
  for (const result of workerResults) {
    process.stdout.write(`training loop with ${result.workers} worker${result.workers === 1 ? '' : 's'}: ${result.imagesPerSecond.toFixed(0)} images/s\n`);
  }
  if (workerResults.length === 2) {
    process.stdout.write(`speed-up of ${workerResults[1]!.workers} workers over 1: ${(workerResults[1]!.imagesPerSecond / workerResults[0]!.imagesPerSecond).toFixed(2)}x\n`);
  }
  process.stdout.write(`machine: ${machine.cpus} x ${machine.model}, load average ${machine.loadAverage.join(' ')}\n`);
}
