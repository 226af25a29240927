import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { PredictionStore } from '../../db/prediction-store.js';
import type { NewPredictionRow } from '../../db/schema.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { LoadedModel } from '../registry/model-registry.js';
import { argmax } from '../evaluation/metrics.js';
import { pixelsToTensor } from '../features/preprocessing.js';
import { DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode-image.js';
import { ModelNotReadyError, PredictionAbortedError } from './errors.js';
import { probeModel, type ProbeOutput } from '../monitoring/model-probe.js';
import { MicroBatcher } from './micro-batcher.js';
import type { ModelWorker } from './model-worker.js';
import { prepareInput } from './prepare-input.js';
import type { ServingMetrics } from './serving-metrics.js';
import { hashUserId } from './user-hash.js';

/** One prediction request from any front end. Exactly one of `image` and `pixels` is set. */
export interface PredictionRequest {
  /** Encoded image bytes (PNG, JPEG, WebP, GIF, TIFF). */
  image?: Uint8Array;
  /** Gray pixels, 0 to 255, `height * width` values in row-major order. */
  pixels?: ArrayLike<number>;
  /** Which front end sent it: `api`, `web`, `replay`, `discord`, `slack`, ... */
  source: string;
  /** The caller's user id; stored only as a salted hash. */
  userId?: string | null;
  /** Aborts the request while it waits for its batch; an aborted request stores no row. */
  signal?: AbortSignal;
}

/** The answer to a prediction request, as every front end returns it. */
export interface PredictionResult {
  id: string;
  modelVersion: string;
  label: string;
  classIndex: number;
  confidence: number;
  topK: { label: string; probability: number }[];
  latencyMs: number;
  warnings: string[];
  /**
   * True when the input looks unlike the training images (a face, a digit, a blank page), so the
   * label is unreliable. Set on every result of {@link PredictionService}; optional so results
   * built elsewhere need not name it.
   */
  outOfDistribution?: boolean;
}

/** A settled prediction, as a {@link ModelRouter} sees it. */
export interface PredictionEvent {
  request: PredictionRequest;
  /** The model that answered or failed. */
  loaded: LoadedModel;
  /** The model input as the model received it. */
  pixels: Uint8Array;
  outcome: { result: PredictionResult } | { error: Error };
}

/**
 * Chooses the model for each request and sees each outcome, for canary, A/B and shadow
 * rollouts. Both methods run on the request path, so they must return at once; what they
 * throw is logged and ignored, and the request goes on with the serving model.
 */
export interface ModelRouter {
  /** Returns the model that answers `request`, or null for the serving model. */
  select(request: PredictionRequest): LoadedModel | null;
  /** Called once the prediction is stored or has failed, before the caller gets it. */
  observe(event: PredictionEvent): void;
}

/** Micro-batching settings of {@link PredictionService}. */
export interface BatchingArgs {
  /** Largest number of images per model call; defaults to 32. */
  maxBatchSize: number;
  /** Time in milliseconds that a request waits for others to join its batch; defaults to 2. */
  maxWaitMs: number;
}

/** Options for {@link PredictionService}. */
export interface PredictionServiceArgs {
  store: PredictionStore;
  /** Salt for user id hashes; keep it stable, or feedback cannot be matched to users. */
  userSalt: string;
  logger?: Logger;
  /** Number of classes in `topK`; defaults to 3. */
  topK?: number;
  limits?: DecodeLimits;
  batching?: BatchingArgs;
  metrics?: ServingMetrics;
  /**
   * Runs `write` in one database transaction, so a batch's rows cost one commit. Defaults to
   * running it as it is, one commit per row.
   */
  transaction?: (write: () => void) => void;
  /** Flags inputs outside the training domain; every flag is false when omitted. */
  outOfDistribution?: OutOfDistributionCheck;
  /**
   * Runs model calls in a worker thread. Every model this service gets must then be a version of
   * the worker's registry. Batches run on the calling thread when omitted, or when the worker
   * fails on a batch.
   */
  modelWorker?: ModelWorker;
}

/**
 * An out-of-distribution detector that reads the penultimate-layer embeddings of the model call
 * that classifies the batch, so flagging costs no second model call.
 */
export interface OutOfDistributionCheck {
  /** Returns whether images of `loaded` can be flagged now. When false, the batch runs the plain model and nothing is flagged. */
  canFlagOutOfDistribution(loaded: LoadedModel): boolean;
  /** Returns one flag per image of the probed batch; it must not throw. */
  flagOutOfDistribution(loaded: LoadedModel, pixels: Uint8Array, probe: ProbeOutput): boolean[];
}

/** A request that has its model input and waits for its batch. */
interface QueuedPrediction {
  loaded: LoadedModel;
  pixels: Uint8Array;
  inputSha256: string;
  warnings: string[];
  request: PredictionRequest;
  started: number;
}

type Outcome = { result: PredictionResult } | { error: Error };

/** Time in milliseconds that batches run on the main thread after the model worker failed. */
export const MODEL_WORKER_RETRY_MS = 10_000;

export const DEFAULT_BATCHING: BatchingArgs = { maxBatchSize: 32, maxWaitMs: 2 };

/**
 * Turns images into stored predictions with the loaded model. It is the one place where
 * front ends (API, web page, bots) get predictions, so decoding, preprocessing and storage
 * rules hold for all of them. Concurrent requests are classified in micro-batches (see
 * {@link MicroBatcher}); each request's result is the same as when it runs alone.
 */
export class PredictionService {
  private current: LoadedModel | null = null;
  private router: ModelRouter | null = null;
  private readonly logger: Logger;
  private readonly topK: number;
  private readonly limits: DecodeLimits;
  private readonly batcher: MicroBatcher<QueuedPrediction, Outcome>;
  /** Time (performance.now) before which batches skip the model worker, after it failed. */
  private modelWorkerRetryAt = 0;

  constructor(private readonly args: PredictionServiceArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'prediction-service' });
    this.topK = args.topK ?? 3;
    this.limits = args.limits ?? DEFAULT_DECODE_LIMITS;
    const batching = args.batching ?? DEFAULT_BATCHING;
    this.batcher = new MicroBatcher({ ...batching, processBatch: (items) => this.processBatch(items) });
  }

  /** Replaces the serving model; requests already queued finish on the model they started with. */
  setModel(loaded: LoadedModel): void {
    const previous = this.current;
    this.current = loaded;
    this.logger.info({ modelVersion: loaded.metadata.version }, 'serving model set');
    // NOTE: the previous model is not disposed, because a queued request may still predict on it.
    if (previous && previous !== loaded) this.logger.info({ modelVersion: previous.metadata.version }, 'previous model retired');
  }

  /** Sets or clears the router that picks a model per request; without one, the serving model answers all. */
  setRouter(router: ModelRouter | null): void {
    this.router = router;
  }

  /** The serving model, or null before one is loaded. */
  get model(): LoadedModel | null {
    return this.current;
  }

  /** The salted hash of a user id, as stored in prediction and feedback rows. */
  hashUser(userId: string | null | undefined): string | null {
    return hashUserId(userId, this.args.userSalt);
  }

  /**
   * Decodes, classifies and stores one request, and returns its result. The row is stored
   * before this resolves, so no front end can answer with a prediction that was not stored.
   *
   * @throws InputError for unusable input, ModelNotReadyError before a model is loaded,
   * PredictionAbortedError when `request.signal` aborts first, DatabaseError when the row
   * cannot be stored.
   */
  async predict(request: PredictionRequest): Promise<PredictionResult> {
    const current = this.current;
    if (!current) throw new ModelNotReadyError();
    const loaded = this.route(request) ?? current;
    const started = performance.now();

    const prepared = await prepareInput(request, loaded.metadata.preprocessing, this.limits);
    if (request.signal?.aborted) throw new PredictionAbortedError(request.signal.reason);

    const outcome = await this.batcher.run({ loaded, ...prepared, request, started });
    this.notifyRouter({ request, loaded, pixels: prepared.pixels, outcome });
    if ('error' in outcome) throw outcome.error;
    return outcome.result;
  }

  /** Resolves once every queued prediction has been classified and stored. */
  drain(): Promise<void> {
    return this.batcher.drain();
  }

  private route(request: PredictionRequest): LoadedModel | null {
    try {
      return this.router?.select(request) ?? null;
    } catch (error) {
      this.logger.error({ err: error }, 'model router failed to select a model: using the serving model');
      return null;
    }
  }

  private notifyRouter(event: PredictionEvent): void {
    try {
      this.router?.observe(event);
    } catch (error) {
      this.logger.error({ err: error, modelVersion: event.loaded.metadata.version }, 'model router failed to observe a prediction');
    }
  }

  private async processBatch(items: QueuedPrediction[]): Promise<Outcome[]> {
    // Every index gets its outcome below: aborted items here, the others from their model call.
    const outcomes = new Array<Outcome>(items.length);
    const live: number[] = [];
    items.forEach((item, index) => {
      const signal = item.request.signal;
      if (signal?.aborted) outcomes[index] = { error: new PredictionAbortedError(signal.reason) };
      else live.push(index);
    });
    if (live.length === 0) return outcomes;

    for (const [loaded, indices] of groupByModel(items, live)) {
      this.args.metrics?.batchSize.observe(indices.length);
      try {
        const results = await this.classify(loaded, indices.map((index) => items[index]!));
        indices.forEach((index, position) => (outcomes[index] = { result: results[position]! }));
      } catch (error) {
        for (const index of indices) outcomes[index] = { error: error as Error };
      }
    }

    this.store(items, outcomes);
    return outcomes;
  }

  private async classify(loaded: LoadedModel, batch: QueuedPrediction[]): Promise<PredictionResult[]> {
    const { metadata } = loaded;
    const imageSize = batch[0]!.pixels.length;
    const joined = new Uint8Array(batch.length * imageSize);
    batch.forEach((item, index) => joined.set(item.pixels, index * imageSize));

    const { probabilities, outOfDistribution } = await this.runModel(loaded, joined, batch.length);
    const classCount = probabilities.length / batch.length;

    return batch.map((item, index) => {
      const row = probabilities.subarray(index * classCount, (index + 1) * classCount);
      const classIndex = argmax(row, 0, classCount);
      const topK = Array.from(row, (probability, label) => ({ label: metadata.classNames[label] ?? String(label), probability }))
        .sort((a, b) => b.probability - a.probability)
        .slice(0, this.topK);
      return {
        id: crypto.randomUUID(),
        modelVersion: metadata.version,
        label: metadata.classNames[classIndex] ?? String(classIndex),
        classIndex,
        confidence: row[classIndex] as number,
        topK,
        latencyMs: performance.now() - item.started,
        warnings: item.warnings,
        outOfDistribution: outOfDistribution[index] ?? false,
      };
    });
  }

  /**
   * Runs the model on a batch and returns its class probabilities. When the out-of-distribution
   * check is ready, one call of the two-output probe model also gives the embeddings for the
   * flags. Its probability output is the same graph with the same weights as `model.predict`.
   */
  private async runModel(loaded: LoadedModel, joined: Uint8Array, count: number): Promise<{ probabilities: Float32Array; outOfDistribution: boolean[] }> {
    const { metadata, model } = loaded;
    const check = this.args.outOfDistribution;
    const withEmbeddings = check?.canFlagOutOfDistribution(loaded) ?? false;

    const worker = this.args.modelWorker;
    if (worker && performance.now() >= this.modelWorkerRetryAt) {
      try {
        const output = await worker.run(metadata.version, joined, count, withEmbeddings);
        if (!check || !output.embeddings) return { probabilities: output.probabilities, outOfDistribution: [] };
        const probe = { count, classCount: output.probabilities.length / count, embeddingSize: output.embeddingSize, embeddings: output.embeddings, probabilities: output.probabilities };
        return { probabilities: output.probabilities, outOfDistribution: check.flagOutOfDistribution(loaded, joined, probe) };
      } catch (error) {
        // A worker that keeps failing would delay every batch, so the main thread runs them for a while.
        this.modelWorkerRetryAt = performance.now() + MODEL_WORKER_RETRY_MS;
        this.logger.warn({ err: error, modelVersion: metadata.version, count, retryInMs: MODEL_WORKER_RETRY_MS }, 'model worker failed: running batches on the main thread until the retry');
      }
    }

    if (check && withEmbeddings) {
      const probe = await probeModel(model, joined, count, metadata.preprocessing);
      return { probabilities: probe.probabilities, outOfDistribution: check.flagOutOfDistribution(loaded, joined, probe) };
    }

    const output = tf.tidy(() => model.predict(pixelsToTensor(joined, count, metadata.preprocessing)) as tf.Tensor2D);
    try {
      return { probabilities: (await output.data()) as Float32Array, outOfDistribution: [] };
    } finally {
      output.dispose();
    }
  }

  /** Stores the rows of every classified item in one transaction; on failure every one of them gets the error. */
  private store(items: QueuedPrediction[], outcomes: Outcome[]): void {
    const stored = outcomes.flatMap((outcome, index) => ('result' in outcome ? [{ index, result: outcome.result }] : []));
    if (stored.length === 0) return;
    const createdAt = new Date().toISOString();
    const rows: NewPredictionRow[] = stored.map(({ index, result }) => {
      const item = items[index]!;
      return {
        id: result.id,
        createdAt,
        source: item.request.source,
        userHash: this.hashUser(item.request.userId),
        modelVersion: result.modelVersion,
        inputSha256: item.inputSha256,
        inputPixels: Buffer.from(item.pixels),
        label: result.label,
        classIndex: result.classIndex,
        confidence: result.confidence,
        topK: JSON.stringify(result.topK),
        latencyMs: result.latencyMs,
      };
    });

    try {
      const transaction = this.args.transaction ?? ((write: () => void) => write());
      transaction(() => {
        for (const row of rows) this.args.store.insertPrediction(row);
      });
    } catch (error) {
      this.logger.error({ err: error, predictionIds: rows.map((row) => row.id) }, 'predictions not stored');
      for (const { index } of stored) outcomes[index] = { error: error as Error };
      return;
    }

    for (const { result } of stored) this.args.metrics?.predictions.inc({ model_version: result.modelVersion, label: result.label });
    this.logger.debug({ predictionIds: rows.map((row) => row.id), batchSize: rows.length }, 'predictions stored');
  }
}

/** Groups item indices by the model they were prepared for; usually one group. */
function groupByModel(items: QueuedPrediction[], indices: number[]): Map<LoadedModel, number[]> {
  const groups = new Map<LoadedModel, number[]>();
  for (const index of indices) {
    const loaded = items[index]!.loaded;
    const group = groups.get(loaded);
    if (group) group.push(index);
    else groups.set(loaded, [index]);
  }
  return groups;
}
