import * as tf from '@tensorflow/tfjs';

import { checkNhwcWithoutDilations, createTensorKernelFunc, type ConvKernelAttrs } from './tensor-kernel.js';

const KERNEL_NAME = 'Conv2DBackpropFilter';
const BACKEND_NAME = 'wasm';

/** Attributes that tfjs-core 4.22.0 passes to `Conv2DBackpropFilter`. */
export type Conv2DBackpropFilterArgs = tf.Conv2DBackpropFilterAttrs & ConvKernelAttrs;

/**
 * Computes the gradient of a 2-D convolution with respect to its filter, for NHWC tensors, as a
 * forward convolution on whatever backend is active:
 *
 *   dFilter[kh, kw, c, oc] = sum over b, oh, ow of x[b, oh*sh + kh - padTop, ow*sw + kw - padLeft, c] * dy[b, oh, ow, oc]
 *
 * which is conv2d(x as [C, H, W, B], dy as the filter [OH, OW, B, OC]) with strides 1 and
 * dilations (sh, sw). The input channels become the batch, the batch becomes the channels, and
 * the forward strides become dilations.
 *
 * @returns the filter gradient, shape `attrs.filterShape` ([KH, KW, C, OC]).
 * @throws UnsupportedKernelAttrError for the NCHW data format or dilations other than 1.
 */
export function conv2DBackpropFilterViaConv2D(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  attrs: Conv2DBackpropFilterArgs,
): tf.Tensor4D {
  checkNhwcWithoutDilations(KERNEL_NAME, tf.getBackend(), attrs);
  const [filterHeight, filterWidth, inChannels, outChannels] = attrs.filterShape;
  const [, inHeight, inWidth] = x.shape;
  const [, outHeight, outWidth] = dy.shape;

  const { strideHeight, strideWidth, padInfo } = tf.backend_util.computeConv2DInfo(
    x.shape,
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );

  // Pad the bottom and right so the last forward window fits inside the padded input. With
  // dimRoundingMode 'ceil' that window can reach past the forward padding, and the extra rows are
  // zeros, as they are in the CPU kernel. Rows past the last window only add output rows that the
  // slice below drops.
  const padBottom = Math.max(0, (outHeight - 1) * strideHeight + filterHeight - inHeight - padInfo.top);
  const padRight = Math.max(0, (outWidth - 1) * strideWidth + filterWidth - inWidth - padInfo.left);
  const padding: tf.backend_util.ExplicitPadding = [
    [0, 0],
    [padInfo.top, padBottom],
    [padInfo.left, padRight],
    [0, 0],
  ];

  return tf.tidy(() => {
    const channelsAsBatch = tf.transpose(x, [3, 1, 2, 0]);
    const dyAsFilter = tf.transpose(dy, [1, 2, 0, 3]);
    const full = tf.conv2d(channelsAsBatch, dyAsFilter, 1, padding, 'NHWC', [strideHeight, strideWidth]);

    const cropped = tf.slice(full, [0, 0, 0, 0], [inChannels, filterHeight, filterWidth, outChannels]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

const conv2DBackpropFilterWasm = createTensorKernelFunc<Conv2DBackpropFilterArgs>(
  KERNEL_NAME,
  ['x', 'dy'],
  (inputs, attrs) => conv2DBackpropFilterViaConv2D(inputs.x as tf.Tensor4D, inputs.dy as tf.Tensor4D, attrs),
);

/**
 * Registers a `Conv2DBackpropFilter` kernel for the wasm backend, which tfjs-backend-wasm 4.22.0
 * lacks, so `tf.grad` through `tf.conv2d` and tf.layers Conv2D training work there. The kernel
 * runs the wasm Conv2D kernel on transposed tensors (see {@link conv2DBackpropFilterViaConv2D}).
 * Calling it again, or after tfjs-backend-wasm gains its own kernel, leaves the registry as it is.
 *
 * @returns true when this call registered the kernel, false when one was already registered.
 */
export function registerWasmConv2DBackpropFilter(): boolean {
  if (tf.getKernel(KERNEL_NAME, BACKEND_NAME) !== undefined) {
    return false;
  }
  tf.registerKernel({ kernelName: KERNEL_NAME, backendName: BACKEND_NAME, kernelFunc: conv2DBackpropFilterWasm });
  return true;
}
