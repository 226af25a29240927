import os from 'node:os';

import * as tf from '@tensorflow/tfjs';
import { Command, InvalidArgumentError } from 'commander';

import { selectBackend, type BackendName } from '../core/backend/select-backend.js';
import { createLogger } from '../core/logger.js';

// Times training of a small CNN (conv32, conv64, dense128, the layout of cnn-small) on random
// 28x28x1 images, on the wasm backend and on the plain cpu backend in one run, and prints both
// times and their ratio. The cpu backend trains about 200 times slower, so it gets fewer images
// by default and its epoch time is scaled up to the wasm image count.

const IMAGE_SHAPE: [number, number, number] = [28, 28, 1];
const CLASS_COUNT = 10;
const SEED = 7;

interface BenchOptions {
  images: number;
  cpuImages: number;
  batchSize: number;
  profile: boolean;
  builtInInputGrad: boolean;
}

interface BenchResult {
  /** The backend name, plus a note when a kernel was swapped. */
  label: string;
  images: number;
  seconds: number;
  /**
   * User plus system CPU time of this process. Both backends run on one thread here, so on a
   * shared machine this is closer than `seconds` to what an idle machine would take.
   */
  cpuSeconds: number;
}

function parsePositiveInteger(flag: string): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) {
      throw new InvalidArgumentError(`${flag} must be a positive integer, got '${value}'.`);
    }
    return parsed;
  };
}

function buildModel(): tf.LayersModel {
  let seed = SEED;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: IMAGE_SHAPE, filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }),
      tf.layers.dropout({ rate: 0.3, seed: seed++ }),
      tf.layers.dense({ units: CLASS_COUNT, activation: 'softmax', kernelInitializer: init() }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

async function useBackend(backend: BackendName): Promise<void> {
  const logger = createLogger({ destination: process.stderr });
  const selection = await selectBackend({ logger, preferred: backend });
  if (selection.name !== backend) {
    throw new Error(`the ${backend} backend did not start (got ${selection.name}): ${selection.fallbacks.join('; ')}`);
  }
}

/**
 * Puts tfjs-backend-wasm's own Conv2DBackpropInput kernel back in place of snapclass's, for
 * comparison. Its setup function binds the wasm export and runs only at backend start for the
 * kernels registered then, so it is run here by hand.
 */
function restoreBuiltInInputGrad(builtIn: tf.KernelConfig): void {
  tf.unregisterKernel(builtIn.kernelName, builtIn.backendName);
  tf.registerKernel(builtIn);
  builtIn.setupFunc?.(tf.backend());
}

/** Trains one epoch over `images` random images, on the active backend, after one untimed warm-up batch. */
async function timeEpoch(label: string, images: number, batchSize: number): Promise<BenchResult> {
  const model = buildModel();
  const xs = tf.randomUniform([images, ...IMAGE_SHAPE], 0, 1, 'float32', SEED);
  const ys = tf.oneHot(tf.randomUniform([images], 0, CLASS_COUNT, 'int32', SEED + 1) as tf.Tensor1D, CLASS_COUNT);

  // The first batch creates the optimizer's slot variables and the wasm operators, so it is not timed.
  const warmUpSize = Math.min(batchSize, images);
  const warmUpImages = xs.slice(0, warmUpSize);
  const warmUpLabels = ys.slice(0, warmUpSize);
  await model.trainOnBatch(warmUpImages, warmUpLabels);
  tf.dispose([warmUpImages, warmUpLabels]);

  const start = performance.now();
  const startUsage = process.cpuUsage();
  await model.fit(xs, ys, { epochs: 1, batchSize, shuffle: false, verbose: 0 });
  const usage = process.cpuUsage(startUsage);
  const seconds = (performance.now() - start) / 1000;
  const cpuSeconds = (usage.user + usage.system) / 1e6;

  tf.dispose([xs, ys]);
  model.dispose();
  return { label, images, seconds, cpuSeconds };
}

/**
 * Profiles one training batch on wasm and returns the kernels that took the most time. The
 * kernels that snapclass's backprop kernels call (Conv2D, Transpose, Slice, ...) are profiled
 * on their own too, so their time is counted twice.
 */
async function profileWasmBatch(batchSize: number): Promise<string[]> {
  await useBackend('wasm');
  const model = buildModel();
  const xs = tf.randomUniform([batchSize, ...IMAGE_SHAPE], 0, 1, 'float32', SEED);
  const ys = tf.oneHot(tf.randomUniform([batchSize], 0, CLASS_COUNT, 'int32', SEED + 1) as tf.Tensor1D, CLASS_COUNT);
  await model.trainOnBatch(xs, ys);

  const start = performance.now();
  const profile = await tf.profile(async () => {
    await model.trainOnBatch(xs, ys);
  });
  const stepMs = performance.now() - start;

  const msByKernel = new Map<string, number>();
  for (const kernel of profile.kernels) {
    const ms = typeof kernel.kernelTimeMs === 'number' ? kernel.kernelTimeMs : 0;
    msByKernel.set(kernel.name, (msByKernel.get(kernel.name) ?? 0) + ms);
  }
  tf.dispose([xs, ys]);
  model.dispose();

  const top = [...msByKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return [
    `profiled wasm batch of ${batchSize}: ${stepMs.toFixed(0)} ms in total`,
    ...top.map(([name, ms]) => `  ${name.padEnd(22)} ${ms.toFixed(1).padStart(7)} ms`),
  ];
}

function describeResult(result: BenchResult, batchSize: number): string {
  const batches = Math.ceil(result.images / batchSize);
  const msPerImage = (result.seconds * 1000) / result.images;
  return (
    `${result.label.padEnd(32)} ${String(result.images).padStart(5)} images ${String(batches).padStart(3)} batches ` +
    `${result.seconds.toFixed(1).padStart(7)} s  ${(msPerImage * batchSize).toFixed(0).padStart(6)} ms/batch ` +
    `${(1000 / msPerImage).toFixed(1).padStart(7)} images/s  CPU time ${result.cpuSeconds.toFixed(1)} s`
  );
}

const program = new Command('bench-backend')
  .description('Time one training epoch of a small CNN on the wasm and cpu TensorFlow.js backends.')
  .option('--images <n>', 'random 28x28x1 images per epoch on wasm', parsePositiveInteger('--images'), 2000)
  .option('--cpu-images <n>', 'images on cpu; its time is scaled to --images', parsePositiveInteger('--cpu-images'), 192)
  .option('--batch-size <n>', 'images per training batch', parsePositiveInteger('--batch-size'), 64)
  .option('--profile', 'also print the slowest kernels of one profiled wasm batch', false)
  .option('--built-in-input-grad', "also time wasm with tfjs-backend-wasm's own Conv2DBackpropInput kernel", false)
  .showHelpAfterError();
program.parse();
const options = program.opts<BenchOptions>();

const cpuCount = os.cpus().length;
process.stdout.write(
  `machine: ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${cpuCount} cores, Node ${process.version}, ` +
    `tfjs ${tf.version.tfjs}, load average ${os.loadavg()[0]?.toFixed(2)}\n`,
);

// Read before the first selectBackend call replaces it. Importing the package registers its kernels.
await import('@tensorflow/tfjs-backend-wasm');
const builtInInputGrad = tf.getKernel('Conv2DBackpropInput', 'wasm');

if (options.profile) {
  const lines = await profileWasmBatch(options.batchSize);
  process.stdout.write(`${lines.join('\n')}\n`);
}

await useBackend('wasm');
const wasm = await timeEpoch('wasm', options.images, options.batchSize);
process.stdout.write(`${describeResult(wasm, options.batchSize)}\n`);

if (options.builtInInputGrad && builtInInputGrad !== undefined) {
  restoreBuiltInInputGrad(builtInInputGrad);
  const builtIn = await timeEpoch('wasm, built-in Conv2DBackpropInput', options.images, options.batchSize);
  process.stdout.write(`${describeResult(builtIn, options.batchSize)}\n`);
}

await useBackend('cpu');
const cpu = await timeEpoch('cpu', options.cpuImages, options.batchSize);
process.stdout.write(`${describeResult(cpu, options.batchSize)}\n`);

const cpuScaledSeconds = (cpu.seconds / cpu.images) * wasm.images;
const cpuScaledCpuSeconds = (cpu.cpuSeconds / cpu.images) * wasm.images;
process.stdout.write(
  `cpu epoch of ${wasm.images} images, scaled from ${cpu.images}: ${cpuScaledSeconds.toFixed(0)} s ` +
    `(CPU time ${cpuScaledCpuSeconds.toFixed(0)} s)\n` +
    `cpu / wasm time per image: ${(cpuScaledSeconds / wasm.seconds).toFixed(1)}x ` +
    `(CPU time ${(cpuScaledCpuSeconds / wasm.cpuSeconds).toFixed(1)}x)\n`,
);
