import type { BackendName } from '../../backend/select-backend.js';
import type { PreprocessingParams } from '../../features/preprocessing.js';
import type { EpochRecord, TrainingArgs, TrainingData, TrainingResult } from '../train-model.js';
import type { ExchangeBuffers } from './gradient-exchange.js';

/** The `workerData` of one training worker. */
export interface WorkerInput {
  index: number;
  buffers: ExchangeBuffers;
  /** Images and labels backed by SharedArrayBuffers, so the workers share one copy. */
  trainingData: TrainingData;
  args: TrainingArgs;
  /** Backend of the coordinating thread, which each worker tries first. */
  backend?: BackendName;
  /** Weights to start from, in `model.weights` order, and the preprocessing they were trained with. */
  warmStart?: { weights: Float32Array[]; preprocessing: PreprocessingParams };
  /** Log level of worker 0; the other workers log warnings and errors only. */
  logLevel: string;
}

/** A message from a training worker to the coordinator. */
export type WorkerMessage =
  | { type: 'epochStart'; event: { epoch: number; epochs: number; batches: number } }
  | { type: 'batchEnd'; event: { epoch: number; batch: number; batches: number; loss: number } }
  | { type: 'epochEnd'; event: EpochRecord }
  | ({ type: 'result'; weights: Float32Array[] } & Omit<TrainingResult, 'model'>)
  | { type: 'done' }
  /** A pino log line, which the coordinator writes to its own logger's destination. */
  | { type: 'log'; line: string }
  | { type: 'error'; message: string; stack?: string };
