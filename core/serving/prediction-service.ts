import crypto from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import type { PredictionStore } from '../../db/prediction-store.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import type { LoadedModel } from '../registry/model-registry.js';
import { argmax } from '../evaluation/metrics.js';
import { pixelsToTensor } from '../features/preprocessing.js';
import { decodeImage, DEFAULT_DECODE_LIMITS, type DecodeLimits } from './decode-image.js';
import { InputError, ModelNotReadyError } from './errors.js';
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
}

/**
 * Turns images into stored predictions with the loaded model. It is the one place where
 * front ends (API, web page, bots) get predictions, so decoding, preprocessing and storage
 * rules hold for all of them.
 */
export class PredictionService {
  private current: LoadedModel | null = null;
  private readonly logger: Logger;
  private readonly topK: number;
  private readonly limits: DecodeLimits;

  constructor(private readonly args: PredictionServiceArgs) {
    this.logger = (args.logger ?? silentLogger).child({ component: 'prediction-service' });
    this.topK = args.topK ?? 3;
    this.limits = args.limits ?? DEFAULT_DECODE_LIMITS;
  }

  /** Replaces the serving model; requests already running finish on the model they started with. */
  setModel(loaded: LoadedModel): void {
    const previous = this.current;
    this.current = loaded;
    this.logger.info({ modelVersion: loaded.metadata.version }, 'serving model set');
    // NOTE: the previous model is not disposed, because a request may still be predicting on it.
    if (previous && previous !== loaded) this.logger.info({ modelVersion: previous.metadata.version }, 'previous model retired');
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
   * Decodes, classifies and stores one request, and returns its result.
   *
   * @throws InputError for unusable input, ModelNotReadyError before a model is loaded,
   * DatabaseError when the row cannot be stored (the result is then not returned).
   */
  async predict(request: PredictionRequest): Promise<PredictionResult> {
    const loaded = this.current;
    if (!loaded) throw new ModelNotReadyError();
    const started = performance.now();
    const { metadata, model } = loaded;
    const params = metadata.preprocessing;
    const warnings: string[] = [];

    const { pixels, inputSha256 } = await this.toPixels(request, loaded, warnings);

    const probabilities = await tf.tidy(() => model.predict(pixelsToTensor(pixels, 1, params)) as tf.Tensor).data();
    const classIndex = argmax(probabilities, 0, probabilities.length);
    const ranked = Array.from(probabilities, (probability, index) => ({ label: metadata.classNames[index] ?? String(index), probability }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, this.topK);

    const result: PredictionResult = {
      id: crypto.randomUUID(),
      modelVersion: metadata.version,
      label: metadata.classNames[classIndex] ?? String(classIndex),
      classIndex,
      confidence: probabilities[classIndex] as number,
      topK: ranked,
      latencyMs: 0,
      warnings,
    };
    result.latencyMs = performance.now() - started;

    this.args.store.insertPrediction({
      id: result.id,
      createdAt: new Date().toISOString(),
      source: request.source,
      userHash: this.hashUser(request.userId),
      modelVersion: result.modelVersion,
      inputSha256,
      inputPixels: Buffer.from(pixels),
      label: result.label,
      classIndex,
      confidence: result.confidence,
      topK: JSON.stringify(ranked),
      latencyMs: result.latencyMs,
    });
    this.logger.debug({ predictionId: result.id, modelVersion: result.modelVersion, label: result.label }, 'prediction stored');
    return result;
  }

  private async toPixels(
    request: PredictionRequest,
    loaded: LoadedModel,
    warnings: string[],
  ): Promise<{ pixels: Uint8Array; inputSha256: string }> {
    const params = loaded.metadata.preprocessing;
    const expected = params.height * params.width * params.channels;

    if (request.image) {
      const decoded = await decodeImage(request.image, params, this.limits);
      if (decoded.originalWidth < params.width / 2 || decoded.originalHeight < params.height / 2) {
        warnings.push(
          `The image is ${decoded.originalWidth}x${decoded.originalHeight}, far smaller than the model's ` +
            `${params.width}x${params.height} input; the prediction may be unreliable.`,
        );
      }
      return { pixels: decoded.pixels, inputSha256: sha256(request.image) };
    }

    if (request.pixels) {
      const values = request.pixels;
      if (values.length !== expected) {
        throw new InputError(
          'wrong_pixel_count',
          `Expected ${expected} pixels (${params.width}x${params.height}), received ${values.length}.`,
        );
      }
      const pixels = new Uint8Array(expected);
      for (let i = 0; i < expected; i++) {
        const value = values[i] as number;
        if (!Number.isInteger(value) || value < 0 || value > 255) {
          throw new InputError('invalid_pixel_value', `Pixel ${i} is ${String(value)}; each pixel must be an integer from 0 to 255.`);
        }
        pixels[i] = value;
      }
      return { pixels, inputSha256: sha256(pixels) };
    }

    throw new InputError('empty_input', 'The request has no image. Send an image file or 784 pixel values.');
  }
}

function sha256(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}
