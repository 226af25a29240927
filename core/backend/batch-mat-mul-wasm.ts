import * as tf from '@tensorflow/tfjs';

import { createTensorKernelFunc } from './tensor-kernel.js';

const KERNEL_NAME = 'BatchMatMul';
const BACKEND_NAME = 'wasm';

/** Swaps the last two axes, the transpose that `BatchMatMul`'s flags describe. */
function transposeInnerAxes(tensor: tf.Tensor): tf.Tensor {
  const perm = tensor.shape.map((_, axis) => axis);
  const last = perm.length - 1;
  [perm[last - 1], perm[last]] = [perm[last] as number, perm[last - 1] as number];
  return tf.transpose(tensor, perm);
}

/**
 * Registers a `BatchMatMul` kernel for the wasm backend that transposes a flagged input first and
 * then multiplies without flags. tfjs-backend-wasm 4.22.0 runs flagged products, which every
 * dense layer's gradient uses, on a path about ten times slower than its unflagged one. On a
 * 2-core x86_64 machine, [64, 1960] x [64, 80] with transposeA took 9.3 ms, and transposing first
 * then multiplying took 0.85 ms. Products without flags run the original kernel unchanged.
 * Calling it again leaves the registry as it is.
 *
 * @returns true when this call registered the kernel, false when it was already registered or the
 * wasm backend has no BatchMatMul kernel.
 */
export function registerWasmBatchMatMul(): boolean {
  const original = tf.getKernel(KERNEL_NAME, BACKEND_NAME);
  if (original === undefined || (original.kernelFunc as { snapclass?: boolean }).snapclass) return false;

  const transposeFirst = createTensorKernelFunc<tf.BatchMatMulAttrs>(KERNEL_NAME, ['a', 'b'], (inputs, attrs) =>
    tf.tidy(() => {
      const a = attrs.transposeA ? transposeInnerAxes(inputs.a as tf.Tensor) : (inputs.a as tf.Tensor);
      const b = attrs.transposeB ? transposeInnerAxes(inputs.b as tf.Tensor) : (inputs.b as tf.Tensor);
      return tf.matMul(a, b);
    }),
  );
  const kernelFunc: tf.KernelFunc & { snapclass?: boolean } = (args) => {
    const { transposeA, transposeB } = args.attrs as unknown as tf.BatchMatMulAttrs;
    return transposeA || transposeB ? transposeFirst(args) : original.kernelFunc(args);
  };
  kernelFunc.snapclass = true;

  tf.unregisterKernel(KERNEL_NAME, BACKEND_NAME);
  tf.registerKernel({ kernelName: KERNEL_NAME, backendName: BACKEND_NAME, setupFunc: original.setupFunc, kernelFunc });
  return true;
}
