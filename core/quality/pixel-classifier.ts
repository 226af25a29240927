import * as tf from '@tensorflow/tfjs';
import type { PreprocessingParams } from '../features/preprocessing.js';
import { silentLogger, type Logger } from '../logger.js';

/**
 * A model seen as a differentiable function from images with pixel values in [0, 1]
 * (`[n, height, width, channels]`, the 8-bit value divided by 255) to class logits `[n, classes]`.
 * Attacks and saliency maps work in this space, so epsilons read as fractions of full scale.
 */
export interface PixelClassifier {
  logits(pixels: tf.Tensor4D): tf.Tensor2D;
  /** True when the logits come from the last Dense layer; false when they are log-probabilities. */
  exactLogits: boolean;
  classCount: number;
}

/**
 * Wraps a Layers model and its preprocessing as a {@link PixelClassifier}. When the last layer
 * is a Dense layer with softmax activation (every snapclass architecture), the logits are
 * recomputed from that layer's kernel and bias on the output of the layer before it. The
 * gradient of a saturated softmax is 0 in float32, so attacks through the probabilities would
 * make the model look robust. Other models fall back to log(probability + 1e-12) with a warning.
 *
 * The returned function adds no variables, so nothing needs disposing beyond the model.
 */
export function createPixelClassifier(
  model: tf.LayersModel,
  preprocessing: PreprocessingParams,
  logger: Logger = silentLogger,
): PixelClassifier {
  const classCount = model.outputs[0]?.shape[1] as number;
  const normalize = (pixels: tf.Tensor4D): tf.Tensor4D =>
    tf.tidy(() => pixels.mul(255 * preprocessing.scale).sub(preprocessing.mean).div(preprocessing.std));

  const last = model.layers[model.layers.length - 1];
  const config = last?.getConfig() as { activation?: string } | undefined;
  if (last && last.getClassName() === 'Dense' && config?.activation === 'softmax' && model.layers.length > 1) {
    const features = tf.model({ inputs: model.inputs, outputs: last.input as tf.SymbolicTensor });
    const [kernel, bias] = last.getWeights() as [tf.Tensor2D, tf.Tensor1D];
    return {
      classCount,
      exactLogits: true,
      logits: (pixels) =>
        tf.tidy(() => {
          const hidden = features.apply(normalize(pixels), { training: false }) as tf.Tensor;
          return hidden.reshape([pixels.shape[0], -1]).matMul(kernel).add(bias) as tf.Tensor2D;
        }),
    };
  }

  logger.warn(
    { lastLayer: last?.getClassName() ?? null, activation: config?.activation ?? null },
    'The model does not end in a softmax Dense layer, so attacks and saliency use log-probabilities as logits',
  );
  return {
    classCount,
    exactLogits: false,
    logits: (pixels) => tf.tidy(() => (model.apply(normalize(pixels), { training: false }) as tf.Tensor2D).add(1e-12).log() as tf.Tensor2D),
  };
}

/** Converts `count` 8-bit images to a `[count, height, width, channels]` tensor in [0, 1]. The caller disposes it. */
export function pixelsToUnitTensor(pixels: Uint8Array, count: number, preprocessing: PreprocessingParams): tf.Tensor4D {
  const { height, width, channels } = preprocessing;
  return tf.tidy(() => tf.tensor4d(pixels, [count, height, width, channels], 'int32').toFloat().div(255));
}

/**
 * Computes the logits of `count` 8-bit images in batches of `batchSize` (default 500) and
 * returns them row-major, `count * classCount` values. No tensor outlives the call.
 */
export async function predictLogits(
  classifier: PixelClassifier,
  pixels: Uint8Array,
  count: number,
  preprocessing: PreprocessingParams,
  batchSize = 500,
): Promise<Float32Array> {
  const imageSize = preprocessing.height * preprocessing.width * preprocessing.channels;
  const result = new Float32Array(count * classifier.classCount);
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const logits = tf.tidy(() => classifier.logits(pixelsToUnitTensor(pixels.subarray(start * imageSize, end * imageSize), end - start, preprocessing)));
    result.set(await logits.data(), start * classifier.classCount);
    logits.dispose();
  }
  return result;
}

/** Returns the index of the largest value in each row of `count * classCount` scores. */
export function argmaxRows(scores: Float32Array, classCount: number): Uint8Array {
  const count = scores.length / classCount;
  const predicted = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    let best = 0;
    for (let c = 1; c < classCount; c++) {
      if ((scores[i * classCount + c] as number) > (scores[i * classCount + best] as number)) best = c;
    }
    predicted[i] = best;
  }
  return predicted;
}
