import * as tf from '@tensorflow/tfjs';

import { UnsupportedKernelAttrError } from './errors.js';

/** Convolution attributes shared by the Conv2D backprop kernels, plus dilations that some callers add. */
export interface ConvKernelAttrs {
  dataFormat: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
}

/**
 * Adapts a kernel body written with tf ops (tf.conv2d, tf.transpose, ...) to a `tf.KernelFunc`.
 * The engine hands a kernel bare TensorInfo inputs. Each is wrapped in a Tensor that takes its
 * own reference on the data (backend.incRef), so disposing the wrapper afterwards drops only that
 * reference and the caller's tensors stay valid and counted in tf.memory(). The Tensor that `body`
 * returns becomes the kernel output as it is, so `body` must dispose everything else it creates
 * (tf.tidy does).
 *
 * @throws Error when an input named in `inputNames` is missing.
 */
export function createTensorKernelFunc<Attrs>(
  kernelName: string,
  inputNames: readonly string[],
  body: (inputs: Record<string, tf.Tensor>, attrs: Attrs) => tf.Tensor,
): tf.KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const kernelBackend = backend as tf.KernelBackend;
    const wrapped: Record<string, tf.Tensor> = {};
    try {
      for (const name of inputNames) {
        const info = inputs[name];
        if (info === undefined) {
          throw new Error(`${kernelName} needs input '${name}', got inputs: ${Object.keys(inputs).join(', ')}`);
        }
        kernelBackend.incRef(info.dataId);
        wrapped[name] = tf.engine().makeTensorFromTensorInfo(info, kernelBackend);
      }
      return body(wrapped, attrs as unknown as Attrs);
    } finally {
      for (const tensor of Object.values(wrapped)) {
        tensor.dispose();
      }
    }
  };
}

/**
 * Rejects the attributes that the convolution-based backprop kernels do not implement: the NCHW
 * data format and dilations other than 1. tfjs-core 4.22.0 already rejects dilations above 1 in
 * the Conv2D gradient, so the dilation check guards other callers.
 *
 * @throws UnsupportedKernelAttrError naming the kernel, the backend and the value received.
 */
export function checkNhwcWithoutDilations(kernelName: string, backendName: string, attrs: ConvKernelAttrs): void {
  if (attrs.dataFormat !== 'NHWC') {
    throw new UnsupportedKernelAttrError(
      `${kernelName} on the ${backendName} backend supports only dataFormat 'NHWC', got '${attrs.dataFormat}': ` +
        `transpose the input to NHWC or train on the cpu backend.`,
    );
  }

  const dilations = attrs.dilations ?? 1;
  const [dilationHeight, dilationWidth] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
  if (dilationHeight !== 1 || dilationWidth !== 1) {
    throw new UnsupportedKernelAttrError(
      `${kernelName} on the ${backendName} backend supports only dilations of 1, ` +
        `got [${dilationHeight}, ${dilationWidth}]: use dilationRate 1 in the Conv2D layer.`,
    );
  }
}
