import * as tf from '@tensorflow/tfjs';

const KERNEL_NAME = 'MaxPoolGrad';
const BACKEND_NAME = 'wasm';

/** The parts of tfjs-backend-wasm 4.22.0's backend object that this kernel reads. */
interface WasmBackendInternals {
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  wasm: { HEAPF32: Float32Array };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * Computes the max-pooling gradient in JavaScript straight on the wasm heap. Each dy value goes
 * to the first maximum of its window in row-major order, skipping padding, as in the cpu
 * backend, and values that several windows pick add up.
 */
function maxPoolGrad(backend: WasmBackendInternals, input: tf.TensorInfo, dy: tf.TensorInfo, info: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth, effectiveFilterHeight, effectiveFilterWidth, padInfo } = info;
  const dx = backend.makeOutput(input.shape, 'float32');
  // Read the heap after makeOutput, because an allocation can grow wasm memory and replace it.
  const heap = backend.wasm.HEAPF32;
  const xOffset = backend.dataIdMap.get(input.dataId).memoryOffset / 4;
  const dyOffset = backend.dataIdMap.get(dy.dataId).memoryOffset / 4;
  const dxOffset = backend.dataIdMap.get(dx.dataId).memoryOffset / 4;
  heap.fill(0, dxOffset, dxOffset + batchSize * inHeight * inWidth * channels);

  const rowStride = inWidth * channels;
  for (let b = 0; b < batchSize; b++) {
    const imageStart = b * inHeight * rowStride;
    for (let outRow = 0; outRow < outHeight; outRow++) {
      const firstRow = outRow * strideHeight - padInfo.top;
      for (let outColumn = 0; outColumn < outWidth; outColumn++) {
        const firstColumn = outColumn * strideWidth - padInfo.left;
        const dyStart = dyOffset + ((b * outHeight + outRow) * outWidth + outColumn) * channels;
        for (let c = 0; c < channels; c++) {
          // Offset of the window's first maximum in x. The `>` keeps the first one on ties.
          let best = -1;
          let bestValue = -Infinity;
          for (let row = firstRow; row < firstRow + effectiveFilterHeight; row += dilationHeight) {
            if (row < 0 || row >= inHeight) continue;
            for (let column = firstColumn; column < firstColumn + effectiveFilterWidth; column += dilationWidth) {
              if (column < 0 || column >= inWidth) continue;
              const position = imageStart + row * rowStride + column * channels + c;
              const value = heap[xOffset + position] as number;
              if (value > bestValue) {
                bestValue = value;
                best = position;
              }
            }
          }
          if (best < 0) continue;
          heap[dxOffset + best] = (heap[dxOffset + best] as number) + (heap[dyStart + c] as number);
        }
      }
    }
  }
  return dx;
}

/**
 * Registers a `MaxPoolGrad` kernel for the wasm backend that computes the gradient in
 * JavaScript on the wasm heap. It replaces tfjs-backend-wasm 4.22.0's own kernel for two
 * reasons. That kernel took about three times as long on the first pooling layer of the training
 * profiles (2x2 windows on [64, 28, 28, 20], a 2-core x86_64 machine). It also lost part of the
 * gradient with 'same' padding on an odd input size: for a 7x7 input with 2x2 windows and stride
 * 2, the gradient of the sum summed to 87 where the cpu backend gives 96. Calling it again leaves the registry as it is.
 *
 * @returns true when this call registered the kernel, false when it was already registered.
 */
export function registerWasmMaxPoolGrad(): boolean {
  const installed = tf.getKernel(KERNEL_NAME, BACKEND_NAME);
  if ((installed?.kernelFunc as { snapclass?: boolean } | undefined)?.snapclass) return false;

  const kernelFunc: tf.KernelFunc & { snapclass?: boolean } = ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as tf.MaxPoolGradAttrs;
    const info = tf.backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    return maxPoolGrad(backend as unknown as WasmBackendInternals, input, dy, info);
  };
  kernelFunc.snapclass = true;

  if (installed !== undefined) tf.unregisterKernel(KERNEL_NAME, BACKEND_NAME);
  tf.registerKernel({ kernelName: KERNEL_NAME, backendName: BACKEND_NAME, kernelFunc });
  return true;
}
