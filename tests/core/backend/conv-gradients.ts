import * as tf from '@tensorflow/tfjs';

/** One forward convolution whose gradients the backprop kernel tests compare across backends. */
export interface ConvCase {
  name: string;
  /** [B, H, W, C] */
  xShape: [number, number, number, number];
  /** [KH, KW, C, OC] */
  filterShape: [number, number, number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/**
 * Cases for the gradient tests: both padding modes, strides 1 and 2, odd and even sizes,
 * batch sizes 1 to 8, channel counts 1 to 16, non-square kernels, explicit and numeric padding.
 */
export const CONV_CASES: ConvCase[] = [
  { name: 'valid, stride 1, odd size', xShape: [2, 7, 7, 3], filterShape: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { name: 'valid, stride 2, odd size', xShape: [3, 9, 9, 2], filterShape: [3, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: 'valid, stride 2, even size', xShape: [1, 8, 8, 1], filterShape: [3, 3, 1, 2], strides: 2, pad: 'valid' },
  { name: 'same, stride 1, even size', xShape: [4, 6, 6, 3], filterShape: [3, 3, 3, 6], strides: 1, pad: 'same' },
  { name: 'same, stride 2, odd size', xShape: [2, 7, 7, 4], filterShape: [3, 3, 4, 3], strides: 2, pad: 'same' },
  { name: 'same, stride 2, even size', xShape: [8, 28, 28, 1], filterShape: [3, 3, 1, 8], strides: 2, pad: 'same' },
  { name: 'same, 16 channels', xShape: [2, 10, 10, 16], filterShape: [3, 3, 16, 16], strides: 1, pad: 'same' },
  { name: 'non-square kernel, valid', xShape: [3, 6, 7, 2], filterShape: [2, 3, 2, 5], strides: 2, pad: 'valid' },
  { name: 'non-square kernel, same', xShape: [2, 9, 8, 3], filterShape: [5, 2, 3, 2], strides: 3, pad: 'same' },
  { name: 'non-square strides', xShape: [2, 9, 10, 2], filterShape: [3, 3, 2, 3], strides: [1, 2], pad: 'valid' },
  { name: 'kernel as large as input', xShape: [2, 4, 4, 2], filterShape: [4, 4, 2, 3], strides: 1, pad: 'valid' },
  { name: '1x1 kernel, stride 2', xShape: [2, 9, 8, 3], filterShape: [1, 1, 3, 2], strides: 2, pad: 'valid' },
  {
    name: 'explicit asymmetric padding',
    xShape: [2, 7, 7, 2],
    filterShape: [3, 3, 2, 2],
    strides: 2,
    pad: [[0, 0], [1, 2], [0, 1], [0, 0]],
  },
  {
    name: 'explicit padding wider than kernel',
    xShape: [2, 6, 6, 2],
    filterShape: [3, 3, 2, 2],
    strides: [1, 2],
    pad: [[0, 0], [4, 3], [0, 5], [0, 0]],
  },
  {
    name: 'numeric padding, ceil rounding',
    xShape: [2, 7, 7, 2],
    filterShape: [3, 3, 2, 2],
    strides: 2,
    pad: 1,
    dimRoundingMode: 'ceil',
  },
];

/** Values uniform in [-1, 1) from a fixed seed, identical on every backend. */
export function seededValues(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomUniform(shape, -1, 1, 'float32', seed).dataSync() as Float32Array);
}

/**
 * Computes the gradient of sum(conv2d(x, filter)^2) with respect to x or to the filter, with
 * tf.grad on the active backend. Only the requested kernel runs: Conv2DBackpropInput for 'x',
 * Conv2DBackpropFilter for 'filter'.
 */
export function convGradient(
  convCase: ConvCase,
  x: Float32Array,
  filter: Float32Array,
  respectTo: 'x' | 'filter',
): Float32Array {
  return tf.tidy(() => {
    const xTensor = tf.tensor4d(x, convCase.xShape);
    const filterTensor = tf.tensor4d(filter, convCase.filterShape);
    const loss = (input: tf.Tensor4D, kernel: tf.Tensor4D) =>
      tf.sum(tf.square(tf.conv2d(input, kernel, convCase.strides, convCase.pad, 'NHWC', 1, convCase.dimRoundingMode)));
    const gradient =
      respectTo === 'x'
        ? tf.grad((input) => loss(input as tf.Tensor4D, filterTensor))(xTensor)
        : tf.grad((kernel) => loss(xTensor, kernel as tf.Tensor4D))(filterTensor);
    return gradient.dataSync() as Float32Array;
  });
}

/**
 * Largest absolute difference divided by the largest absolute expected value. Dividing by the
 * largest value, not by each element, keeps sums that nearly cancel to zero from failing a test
 * over float32 rounding.
 */
export function maxRelativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let maxDifference = 0;
  let maxExpected = 0;
  for (const [index, value] of expected.entries()) {
    maxDifference = Math.max(maxDifference, Math.abs((actual[index] ?? Number.NaN) - value));
    maxExpected = Math.max(maxExpected, Math.abs(value));
  }
  return maxDifference / maxExpected;
}
