import * as tf from '@tensorflow/tfjs';

/**
 * Parameters that turn 8-bit pixels into model input. They are saved in each model's
 * metadata, so training, evaluation, serving and the bots apply exactly the same transform:
 * `input = (pixel * scale - mean[c]) / std[c]`.
 */
export interface PreprocessingParams {
  height: number;
  width: number;
  channels: number;
  /** Multiplier applied to each 0-255 pixel before normalisation; 1/255 maps it to [0, 1]. */
  scale: number;
  /** Per-channel mean of the scaled training pixels. */
  mean: number[];
  /** Per-channel standard deviation of the scaled training pixels. */
  std: number[];
}

/**
 * Computes the per-channel mean and standard deviation of scaled pixels, for
 * {@link PreprocessingParams}. `pixels` holds `count * height * width * channels` bytes.
 */
export function fitPreprocessing(
  pixels: Uint8Array,
  shape: { height: number; width: number; channels: number },
  scale = 1 / 255,
): PreprocessingParams {
  const { channels } = shape;
  const sums = new Float64Array(channels);
  const squares = new Float64Array(channels);
  for (let i = 0; i < pixels.length; i++) {
    const value = (pixels[i] as number) * scale;
    const c = i % channels;
    sums[c] = (sums[c] as number) + value;
    squares[c] = (squares[c] as number) + value * value;
  }

  const perChannel = pixels.length / channels;
  const mean = Array.from(sums, (sum) => sum / perChannel);
  const std = Array.from(squares, (square, c) => {
    const m = mean[c] as number;
    return Math.sqrt(Math.max(square / perChannel - m * m, 1e-12));
  });
  return { ...shape, scale, mean, std };
}

/**
 * Turns `count` images of 8-bit pixels (NHWC, row-major) into a normalised float32 tensor of
 * shape `[count, height, width, channels]`. The caller disposes the result.
 *
 * @throws RangeError when the pixel count does not match `count` images of the given shape.
 */
export function pixelsToTensor(
  pixels: Uint8Array,
  count: number,
  params: PreprocessingParams,
): tf.Tensor4D {
  const { height, width, channels } = params;
  const expected = count * height * width * channels;
  if (pixels.length !== expected) {
    throw new RangeError(
      `Expected ${expected} pixels for ${count} images of ${height}x${width}x${channels}, ` +
        `received ${pixels.length}.`,
    );
  }

  return tf.tidy(() => {
    const raw = tf.tensor4d(pixels, [count, height, width, channels], 'int32');
    const scaled = raw.toFloat().mul(params.scale);
    const mean = tf.tensor1d(params.mean);
    const std = tf.tensor1d(params.std);
    return scaled.sub(mean).div(std) as tf.Tensor4D;
  });
}
