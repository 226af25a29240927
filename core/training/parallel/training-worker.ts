// Entry point of one worker thread of data-parallel training (see train-model-parallel.ts). It
// starts its own TensorFlow.js backend, trains its share of every batch with trainModel, and
// exchanges gradients with the other workers through shared memory. Worker 0 relays progress and
// returns the trained weights.
import { parentPort, workerData } from 'node:worker_threads';

import * as tf from '@tensorflow/tfjs';

import { selectBackend } from '../../backend/select-backend.js';
import { createLogger } from '../../logger.js';
import { buildTrainingModel, trainModel, type TrainingCallbacks } from '../train-model.js';
import { GradientExchange } from './gradient-exchange.js';
import type { WorkerInput, WorkerMessage } from './worker-protocol.js';

const input = workerData as WorkerInput;
const port = parentPort!;
const post = (message: WorkerMessage, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);

async function run(): Promise<void> {
  const leader = input.index === 0;
  // Lines go to the coordinator, which writes them where its own logs go, between progress redraws.
  const destination = { write: (line: string) => post({ type: 'log', line }) };
  const logger = createLogger({ level: leader ? input.logLevel : 'warn', destination }).child({ trainingWorker: input.index });
  await selectBackend({ logger, preferred: input.backend });

  const { trainingData, args } = input;
  let warmStart;
  if (input.warmStart) {
    const model = buildTrainingModel(trainingData, args);
    const weights = model.getWeights().map((weight, i) => tf.tensor(input.warmStart!.weights[i]!, weight.shape, 'float32'));
    model.setWeights(weights);
    tf.dispose(weights);
    warmStart = { model, preprocessing: input.warmStart.preprocessing };
  }

  const callbacks: TrainingCallbacks = leader
    ? {
        onEpochStart: (event) => post({ type: 'epochStart', event }),
        onBatchEnd: (event) => post({ type: 'batchEnd', event }),
        onEpochEnd: (event) => post({ type: 'epochEnd', event }),
      }
    : {};
  const exchange = new GradientExchange(input.buffers, input.index);
  const result = await trainModel(trainingData, args, callbacks, logger, warmStart, { exchange });
  warmStart?.model.dispose();

  if (!leader) {
    post({ type: 'done' });
    return;
  }
  const weights = result.model.getWeights().map((weight) => weight.dataSync() as Float32Array);
  const { model, ...summary } = result;
  model.dispose();
  post({ type: 'result', weights, ...summary }, weights.map((values) => values.buffer as ArrayBuffer));
}

run().catch((error: unknown) => {
  post({ type: 'error', message: error instanceof Error ? error.message : String(error), stack: error instanceof Error ? error.stack : undefined });
});
