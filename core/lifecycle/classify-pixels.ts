import { argmax } from '../evaluation/metrics.js';
import type { LoadedModel } from '../registry/model-registry.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';

/**
 * Classifies model inputs (8-bit pixels in the model's own input size) in one call and returns
 * the most probable class index of each.
 *
 * @throws RangeError when an input's length does not match the model's input size, as when the
 *   candidate was trained on another image size than production.
 */
export async function classifyPixels(loaded: LoadedModel, inputs: Uint8Array[]): Promise<number[]> {
  const { preprocessing, version } = loaded.metadata;
  const imageSize = preprocessing.height * preprocessing.width * preprocessing.channels;
  const joined = new Uint8Array(inputs.length * imageSize);
  inputs.forEach((input, index) => {
    if (input.length !== imageSize) {
      throw new RangeError(`Model ${version} takes ${imageSize} input values (${preprocessing.height}x${preprocessing.width}x${preprocessing.channels}), received ${input.length}.`);
    }
    joined.set(input, index * imageSize);
  });

  const probabilities = await predictProbabilities(loaded.model, joined, inputs.length, preprocessing);
  const classCount = probabilities.length / Math.max(1, inputs.length);
  return inputs.map((_, index) => argmax(probabilities, index * classCount, classCount));
}
