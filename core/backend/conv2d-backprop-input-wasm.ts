import * as tf from '@tensorflow/tfjs';

import { checkNhwcWithoutDilations, createTensorKernelFunc, type ConvKernelAttrs } from './tensor-kernel.js';

const KERNEL_NAME = 'Conv2DBackpropInput';
const BACKEND_NAME = 'wasm';

/** Attributes that tfjs-core 4.22.0 passes to `Conv2DBackpropInput`. */
export type Conv2DBackpropInputArgs = tf.Conv2DBackpropInputAttrs & ConvKernelAttrs;

/**
 * Computes the gradient of a 2-D convolution with respect to its input, for NHWC tensors, as a
 * forward convolution on whatever backend is active. dy is spread out by the strides, with
 * stride - 1 zeros between its rows and between its columns. The spread dy is then convolved with
 * the filter rotated by 180 degrees and with its channel axes swapped ([KH, KW, OC, C]), under
 * padding KH-1-padTop on top and KW-1-padLeft on the left. This is the transposed convolution
 * that `tf.conv2dTranspose` computes.
 *
 * @returns the input gradient, shape `attrs.inputShape` ([B, H, W, C]).
 * @throws UnsupportedKernelAttrError for the NCHW data format or dilations other than 1.
 */
export function conv2DBackpropInputViaConv2D(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  attrs: Conv2DBackpropInputArgs,
): tf.Tensor4D {
  checkNhwcWithoutDilations(KERNEL_NAME, tf.getBackend(), attrs);
  const [batchSize, inHeight, inWidth, inChannels] = attrs.inputShape;
  const [filterHeight, filterWidth] = filter.shape;

  const { strideHeight, strideWidth, padInfo } = tf.backend_util.computeConv2DInfo(
    attrs.inputShape,
    filter.shape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const rows = paddingAlong(inHeight, filterHeight, padInfo.top, dy.shape[1] * strideHeight);
  const columns = paddingAlong(inWidth, filterWidth, padInfo.left, dy.shape[2] * strideWidth);
  const padding: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [rows.before, rows.after],
    [columns.before, columns.after],
    [0, 0],
  ];

  return tf.tidy(() => {
    const spread = spreadByStrides(dy, strideHeight, strideWidth);
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]);
    const full = tf.conv2d(spread, rotated, 1, padding);

    return tf.slice(full, [0, rows.cropStart, columns.cropStart, 0], [batchSize, inHeight, inWidth, inChannels]);
  });
}

/**
 * Padding along one spatial axis of the spread dy, and the first output row to keep. Output row i
 * reads spread rows i - (filterSize - 1 - forwardPadBefore) onwards. When that offset is negative
 * (forward padding larger than filterSize - 1), the padding is clamped to 0 and the output
 * cropped instead. Rows past the end of the spread dy are zeros.
 */
function paddingAlong(
  inSize: number,
  filterSize: number,
  forwardPadBefore: number,
  spreadSize: number,
): { before: number; after: number; cropStart: number } {
  const offset = filterSize - 1 - forwardPadBefore;
  const before = Math.max(0, offset);
  const cropStart = before - offset;
  const after = Math.max(0, cropStart + inSize - 1 + filterSize - before - spreadSize);
  return { before, after, cropStart };
}

/** Inserts stride - 1 zeros after every row and column: [B, OH, OW, OC] to [B, OH*sh, OW*sw, OC]. */
function spreadByStrides(dy: tf.Tensor4D, strideHeight: number, strideWidth: number): tf.Tensor4D {
  if (strideHeight === 1 && strideWidth === 1) {
    return dy;
  }
  const [batchSize, outHeight, outWidth, outChannels] = dy.shape;
  const withGaps = tf.pad(tf.reshape(dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]), [
    [0, 0],
    [0, 0],
    [0, strideHeight - 1],
    [0, 0],
    [0, strideWidth - 1],
    [0, 0],
  ]);
  return tf.reshape(withGaps, [batchSize, outHeight * strideHeight, outWidth * strideWidth, outChannels]);
}

const conv2DBackpropInputWasm = createTensorKernelFunc<Conv2DBackpropInputArgs>(
  KERNEL_NAME,
  ['dy', 'filter'],
  (inputs, attrs) => conv2DBackpropInputViaConv2D(inputs.dy as tf.Tensor4D, inputs.filter as tf.Tensor4D, attrs),
);

/**
 * Replaces tfjs-backend-wasm's own `Conv2DBackpropInput` kernel with one that runs the wasm
 * Conv2D kernel (see {@link conv2DBackpropInputViaConv2D}). The built-in kernel is correct but
 * slow. In scripts/bench-backend.ts, one training epoch of a small CNN took 11.4 s of CPU time
 * with it and 6.6 s with this kernel (tfjs-backend-wasm 4.22.0, 2-core machine, figures in
 * docs/benchmarks-backend.md). Calling it again leaves the registry as it is.
 *
 * @returns true when this call installed the kernel, false when it was already installed.
 */
export function registerWasmConv2DBackpropInput(): boolean {
  const current = tf.getKernel(KERNEL_NAME, BACKEND_NAME);
  if (current?.kernelFunc === conv2DBackpropInputWasm) {
    return false;
  }
  if (current !== undefined) {
    tf.unregisterKernel(KERNEL_NAME, BACKEND_NAME);
  }
  tf.registerKernel({ kernelName: KERNEL_NAME, backendName: BACKEND_NAME, kernelFunc: conv2DBackpropInputWasm });
  return true;
}
