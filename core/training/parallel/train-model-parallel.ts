import * as tf from '@tensorflow/tfjs';
import pino from 'pino';

import { BACKEND_NAMES, type BackendName } from '../../backend/select-backend.js';
import { ConfigError, SnapclassError } from '../../errors.js';
import { startWorker } from '../../start-worker.js';
import { unwrappedWeights } from '../flip-averaging.js';
import type { Logger } from '../../logger.js';
import { buildTrainingModel, type LabelledImages, type TrainingArgs, type TrainingCallbacks, type TrainingData, type TrainingResult, type WarmStart } from '../train-model.js';
import { abortExchange, createExchangeBuffers } from './gradient-exchange.js';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

/** A training worker failed, so the data-parallel run stopped. */
export class TrainingWorkerError extends SnapclassError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('training_worker_failed', message, options);
  }
}

/**
 * Trains like {@link trainModel}, with the batches split over `args.workers` worker threads. Each
 * worker runs its own TensorFlow.js backend on its own core and trains on every `workers`-th image
 * of each batch. The workers average their gradients before every update (synchronous data
 * parallelism), so the result is one model trained on the whole batch, as on one thread. On the
 * single-threaded wasm backend this puts every core to work. The returned model lives on the
 * calling thread's backend.
 *
 * NOTE: batch norm statistics are computed per worker share of a batch and averaged at the end of
 * every epoch, so a model with batch norm trains a little differently than on one thread.
 *
 * @throws TrainingWorkerError when a worker fails; the other workers are stopped.
 */
export async function trainModelParallel(
  data: TrainingData,
  args: TrainingArgs,
  callbacks: TrainingCallbacks,
  logger: Logger,
  warmStart?: WarmStart,
): Promise<TrainingResult> {
  const workers = args.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1 || workers > args.batchSize) {
    throw new ConfigError(`workers is ${workers}: use a whole number from 1 to the batch size (${args.batchSize}).`);
  }
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const model = buildTrainingModel(data, args);

  try {
    const shapes = model.getWeights().map((weight) => weight.shape);
    const capacity = model.countParams();
    const buffers = createExchangeBuffers(workers, capacity);
    const trainingData: TrainingData = { ...data, train: shareImages(data.train), validation: shareImages(data.validation) };
    const warmStartInput = warmStart
      ? { weights: unwrappedWeights(warmStart.model).map((weight) => weight.dataSync() as Float32Array), preprocessing: warmStart.preprocessing }
      : undefined;
    logger.info({ workers, parameters: capacity }, 'data-parallel training started');

    const inputs = Array.from({ length: workers }, (_, index): WorkerInput => ({
      index,
      buffers,
      trainingData,
      args,
      backend: activeBackendName(),
      warmStart: warmStartInput,
      logLevel: logger.level,
    }));
    const leaderResult = await runWorkers(inputs, callbacks, createLineWriter(logger), () => abortExchange(buffers));

    const weights = shapes.map((shape, i) => tf.tensor(leaderResult.weights[i]!, shape, 'float32'));
    model.setWeights(weights);
    tf.dispose(weights);
    const cpu = process.cpuUsage(cpuStarted);
    const { weights: _weights, type: _type, ...summary } = leaderResult;
    return { ...summary, model, trainingTimeMs: performance.now() - started, cpuTimeMs: (cpu.user + cpu.system) / 1000 };
  } catch (error) {
    model.dispose();
    throw error;
  }
}

type LeaderResult = Extract<WorkerMessage, { type: 'result' }>;

/** Starts one worker per input, relays worker 0's progress, and resolves with its result once all have finished. */
function runWorkers(inputs: WorkerInput[], callbacks: TrainingCallbacks, writeLine: (line: string) => void, abort: () => void): Promise<LeaderResult> {
  return new Promise((resolve, reject) => {
    let leaderResult: LeaderResult | undefined;
    let failure: TrainingWorkerError | undefined;
    let running = inputs.length;
    const finished = new Set<number>();

    const fail = (error: TrainingWorkerError) => {
      if (failure) return;
      failure = error;
      abort();
    };
    const settle = () => {
      if (--running > 0) return;
      if (failure) reject(failure);
      else if (leaderResult) resolve(leaderResult);
      else reject(new TrainingWorkerError('Training worker 0 exited without returning the trained weights.'));
    };

    for (const input of inputs) {
      const worker = startWorker(import.meta.url, 'training-worker', { workerData: input });
      worker.on('message', (message: WorkerMessage) => {
        try {
          handleMessage(message);
        } catch (error) {
          fail(new TrainingWorkerError(`A training callback failed: ${(error as Error).message}`, { cause: error }));
        }
      });
      worker.on('error', (error) => fail(new TrainingWorkerError(`Training worker ${input.index} crashed: ${error.message}`, { cause: error })));
      worker.on('exit', (code) => {
        if (code !== 0 && !finished.has(input.index)) fail(new TrainingWorkerError(`Training worker ${input.index} exited with code ${code}.`));
        settle();
      });

      function handleMessage(message: WorkerMessage): void {
        switch (message.type) {
          case 'log':
            writeLine(message.line);
            break;
          case 'epochStart':
            callbacks.onEpochStart?.(message.event);
            break;
          case 'batchEnd':
            callbacks.onBatchEnd?.(message.event);
            break;
          case 'epochEnd':
            callbacks.onEpochEnd?.(message.event);
            break;
          case 'result':
            leaderResult = message;
            finished.add(input.index);
            void worker.terminate();
            break;
          case 'done':
            finished.add(input.index);
            void worker.terminate();
            break;
          case 'error':
            finished.add(input.index);
            fail(new TrainingWorkerError(`Training worker ${input.index} failed: ${message.message}`));
            void worker.terminate();
            break;
        }
      }
    }
  });
}

/** Returns a function that writes finished pino lines to the destination of `logger`, or to standard error. */
function createLineWriter(logger: Logger): (line: string) => void {
  const stream = (logger as unknown as Record<symbol, { write?(line: string): void } | undefined>)[pino.symbols.streamSym];
  return stream?.write ? (line) => stream.write!(line) : (line) => process.stderr.write(line);
}

/** Returns the calling thread's TensorFlow.js backend when snapclass can select it, so the workers skip the ones that failed here. */
function activeBackendName(): BackendName | undefined {
  const name = tf.getBackend();
  return (BACKEND_NAMES as readonly string[]).includes(name) ? (name as BackendName) : undefined;
}

/** Copies a split into SharedArrayBuffers, so every worker reads the same memory instead of a copy. */
function shareImages(split: LabelledImages): LabelledImages {
  const images = new Uint8Array(new SharedArrayBuffer(split.images.byteLength));
  images.set(split.images);
  const labels = new Uint8Array(new SharedArrayBuffer(split.labels.byteLength));
  labels.set(split.labels);
  return { images, labels, count: split.count };
}
