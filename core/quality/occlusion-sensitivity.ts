import * as tf from '@tensorflow/tfjs';
import { InvalidQualityOptionError } from './errors.js';
import type { PixelClassifier } from './pixel-classifier.js';

/** Options of {@link computeOcclusionSensitivity}. */
export interface OcclusionSensitivityArgs {
  /** Side of the black square, in pixels; defaults to 6. */
  patchSize?: number;
  /** Step between square positions, in pixels; defaults to 2. */
  stride?: number;
}

/**
 * Computes occlusion sensitivity (Zeiler and Fergus, arXiv:1311.2901) for one image: a black
 * square slides over it, and each pixel's value is the mean drop in the true-class
 * probability over the square positions that cover it. Positive values mark evidence for the
 * class; negative values mark regions whose removal makes the class more likely. Returns
 * `height * width` values. `pixels` is one image, `[1, height, width, channels]`, in [0, 1].
 *
 * @throws InvalidQualityOptionError when the patch does not fit or the stride is below 1.
 */
export async function computeOcclusionSensitivity(
  classifier: PixelClassifier,
  pixels: tf.Tensor4D,
  label: number,
  args: OcclusionSensitivityArgs = {},
): Promise<Float32Array> {
  const { patchSize = 6, stride = 2 } = args;
  const [, height = 0, width = 0, channels = 1] = pixels.shape;
  if (!Number.isInteger(patchSize) || patchSize < 1 || patchSize > Math.min(height, width) || !Number.isInteger(stride) || stride < 1) {
    throw new InvalidQualityOptionError(
      `Occlusion patch ${patchSize} with stride ${stride} does not fit a ${height} x ${width} image: use 1 <= patch <= side and stride >= 1.`,
    );
  }

  const positions: [number, number][] = [];
  for (let top = 0; top + patchSize <= height; top += stride) {
    for (let left = 0; left + patchSize <= width; left += stride) positions.push([top, left]);
  }
  const masks = new Float32Array(positions.length * height * width).fill(1);
  positions.forEach(([top, left], k) => {
    for (let y = top; y < top + patchSize; y++) masks.fill(0, k * height * width + y * width + left, k * height * width + y * width + left + patchSize);
  });

  const scores = tf.tidy(() => {
    const occluded = pixels.mul(tf.tensor4d(masks, [positions.length, height, width, 1])) as tf.Tensor4D;
    const batch = tf.concat([pixels, occluded.reshape([positions.length, height, width, channels])]) as tf.Tensor4D;
    return tf.softmax(classifier.logits(batch)).slice([0, label], [-1, 1]);
  });
  const probabilities = await scores.data<'float32'>();
  scores.dispose();

  const base = probabilities[0] as number;
  const sums = new Float32Array(height * width);
  const counts = new Float32Array(height * width);
  positions.forEach(([top, left], k) => {
    const drop = base - (probabilities[k + 1] as number);
    for (let y = top; y < top + patchSize; y++) {
      for (let x = left; x < left + patchSize; x++) {
        sums[y * width + x] = (sums[y * width + x] as number) + drop;
        counts[y * width + x] = (counts[y * width + x] as number) + 1;
      }
    }
  });
  return sums.map((sum, p) => (counts[p] === 0 ? 0 : sum / (counts[p] as number)));
}
