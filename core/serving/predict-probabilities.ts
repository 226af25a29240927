import * as tf from '@tensorflow/tfjs';
import { pixelsToTensor, type PreprocessingParams } from '../features/preprocessing.js';

/**
 * Runs the model over `count` images of 8-bit pixels in batches of `batchSize` (default 256)
 * and returns the class probabilities, `count * classCount` values in row-major order.
 * No tensor outlives the call.
 */
export async function predictProbabilities(
  model: tf.LayersModel,
  pixels: Uint8Array,
  count: number,
  params: PreprocessingParams,
  batchSize = 256,
): Promise<Float32Array> {
  const imageSize = params.height * params.width * params.channels;
  const classCount = (model.outputs[0]?.shape[1] as number | undefined) ?? 0;
  const result = new Float32Array(count * classCount);

  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const batch = pixels.subarray(start * imageSize, end * imageSize);
    const output = tf.tidy(() => {
      const input = pixelsToTensor(batch, end - start, params);
      return model.predict(input) as tf.Tensor2D;
    });
    result.set(await output.data(), start * classCount);
    output.dispose();
  }
  return result;
}
