import type { Worker } from 'node:worker_threads';
import { ConfigError } from '../errors.js';
import type { Logger } from '../logger.js';
import { ModelWorkerError } from './errors.js';
import { startWorker } from '../start-worker.js';

/** Data the model worker starts with. */
export interface ModelWorkerData {
  modelsDir: string;
  /** TensorFlow.js backend the worker selects first, the one the service runs on. */
  backend: string;
}

/** One batch for the worker. */
export interface ModelWorkerRequest {
  id: number;
  modelVersion: string;
  /** `count` model inputs of 8-bit pixels, row-major. */
  pixels: Uint8Array;
  count: number;
  /** Also return the penultimate-layer embeddings, for the out-of-distribution check. */
  withEmbeddings: boolean;
}

/** The worker's reply to one batch. */
export type ModelWorkerReply =
  | { id: number; probabilities: Float32Array; embeddings: Float32Array | null; embeddingSize: number }
  | { id: number; error: { message: string; code: string | null } };

/** Outputs of one batch: `count` rows of class probabilities, and embeddings when requested. */
export interface ModelWorkerOutput {
  probabilities: Float32Array;
  embeddings: Float32Array | null;
  embeddingSize: number;
}

/** Options for {@link ModelWorker}. */
export interface ModelWorkerArgs extends ModelWorkerData {
  logger: Logger;
}

interface PendingBatch {
  modelVersion: string;
  resolve(output: ModelWorkerOutput): void;
  reject(error: Error): void;
}

/**
 * Runs model calls in a worker thread, so the service's main thread spends its time on HTTP,
 * decoding and storage while the model runs on another core. The worker loads each version
 * from `modelsDir` on first use, so every model it runs must be a version of that registry.
 * It starts on the first batch and is restarted on the next batch after it exits.
 */
export class ModelWorker {
  private worker: Worker | null = null;
  private pending = new Map<number, PendingBatch>();
  private nextId = 1;
  private readonly logger: Logger;

  constructor(private readonly args: ModelWorkerArgs) {
    this.logger = args.logger.child({ component: 'model-worker' });
  }

  /**
   * Runs `count` images through model `modelVersion` and resolves with its outputs.
   *
   * @throws ModelWorkerError when the worker cannot load the model, the call fails, or the
   * worker exits before it replies.
   */
  run(modelVersion: string, pixels: Uint8Array, count: number, withEmbeddings: boolean): Promise<ModelWorkerOutput> {
    const worker = this.worker ?? this.startWorker();
    const id = this.nextId++;
    return new Promise<ModelWorkerOutput>((resolve, reject) => {
      this.pending.set(id, { modelVersion, resolve, reject });
      worker.postMessage({ id, modelVersion, pixels, count, withEmbeddings } satisfies ModelWorkerRequest);
    });
  }

  /**
   * Starts the worker and loads model `modelVersion` with a one-image call, so the first request
   * does not wait for the worker to start (roughly a second for TensorFlow.js and the model, an estimate from test runs).
   *
   * @throws ModelWorkerError when the worker cannot run the model.
   */
  async warmUp(modelVersion: string, imageSize: number): Promise<void> {
    const started = performance.now();
    await this.run(modelVersion, new Uint8Array(imageSize), 1, false);
    this.logger.info({ modelVersion, warmUpMs: Math.round(performance.now() - started) }, 'model worker ready');
  }

  /** Stops the worker; batches still running are rejected. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    this.rejectAll('the model worker was stopped');
  }

  private startWorker(): Worker {
    const workerData: ModelWorkerData = { modelsDir: this.args.modelsDir, backend: this.args.backend };
    const worker = startWorker(import.meta.url, 'model-worker-entry', { workerData });
    // The worker must not keep a stopping service alive.
    worker.unref();
    worker.on('message', (reply: ModelWorkerReply) => this.settle(reply));
    worker.on('error', (error) => this.logger.error({ err: error }, 'model worker crashed: it restarts with the next batch'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      this.rejectAll(`the model worker exited with code ${code}`);
    });
    this.worker = worker;
    this.logger.info({ modelsDir: this.args.modelsDir, backend: this.args.backend }, 'model worker started');
    return worker;
  }

  private settle(reply: ModelWorkerReply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if ('probabilities' in reply) {
      pending.resolve(reply);
      return;
    }
    pending.reject(new ModelWorkerError(`Model ${pending.modelVersion} failed in the model worker: ${reply.error.message}`));
  }

  private rejectAll(reason: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const entry of pending) entry.reject(new ModelWorkerError(`Model ${entry.modelVersion} got no output because ${reason}.`));
  }
}

/**
 * Reads `SNAPCLASS_MODEL_WORKER` (on or off, default off): whether the service runs model calls
 * in a {@link ModelWorker}.
 *
 * @throws ConfigError naming the variable when it is neither on nor off.
 */
export function loadModelWorkerSetting(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env.SNAPCLASS_MODEL_WORKER ?? 'off';
  if (value !== 'on' && value !== 'off') {
    throw new ConfigError(`SNAPCLASS_MODEL_WORKER=${JSON.stringify(value)} is invalid: it must be on or off. Fix the variable or unset it to use off.`);
  }
  return value === 'on';
}
