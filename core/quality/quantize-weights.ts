import { setFloat16 } from '@petamoriken/float16';
import type * as tf from '@tensorflow/tfjs';
import { InvalidQualityOptionError, UnsupportedModelError } from './errors.js';

/** Storage types that TensorFlow.js 4.22 dequantizes to float32 when it loads weights. */
export const QUANTIZATION_DTYPES = ['float16', 'uint8'] as const;
export type QuantizationDtype = (typeof QUANTIZATION_DTYPES)[number];

/** Weight specs and bytes in the TensorFlow.js weights-manifest layout. */
export interface WeightArtifacts {
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: ArrayBuffer;
}

const BYTES_PER_VALUE: Partial<Record<tf.io.WeightsManifestEntry['dtype'], number>> = { float32: 4, int32: 4, bool: 1 };

/** An affine 8-bit code for one tensor: `value = code * scale + min`. */
export interface AffineUint8Parameters {
  scale: number;
  min: number;
}

/**
 * Chooses the 8-bit affine parameters for values in [`low`, `high`]. The range is widened to
 * contain 0 and `min` is moved onto the code grid, so 0 (a common bias and padding value) is
 * stored exactly. A constant tensor gets scale 1.
 */
export function chooseUint8Parameters(low: number, high: number): AffineUint8Parameters {
  const lower = Math.min(low, 0);
  const upper = Math.max(high, 0);
  const scale = upper > lower ? (upper - lower) / 255 : 1;
  const zeroCode = Math.round(-lower / scale);
  return { scale, min: zeroCode === 0 ? 0 : -zeroCode * scale };
}

/**
 * Quantizes every float32 weight to `dtype`: IEEE half precision (2 bytes, about 3 significant
 * decimal digits) or 8-bit affine codes with one scale and minimum per tensor (1 byte). The
 * specs get the `quantization` field that `tf.io.decodeWeights` reads (`dtype`, plus `scale`
 * and `min` for uint8). Weights of other dtypes are copied unchanged.
 *
 * @throws UnsupportedModelError when a weight is already quantized or the bytes are shorter
 *   than the specs declare.
 */
export function quantizeWeights(artifacts: WeightArtifacts, dtype: QuantizationDtype): WeightArtifacts {
  if (!QUANTIZATION_DTYPES.includes(dtype)) {
    throw new InvalidQualityOptionError(`Unknown quantization dtype "${dtype}": use one of ${QUANTIZATION_DTYPES.join(', ')}.`);
  }
  const parts: Uint8Array[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  let offset = 0;

  for (const spec of artifacts.weightSpecs) {
    if (spec.quantization) {
      throw new UnsupportedModelError(`Weight ${spec.name} is already quantized to ${spec.quantization.dtype}: quantize the original float32 version.`);
    }
    const bytesPerValue = BYTES_PER_VALUE[spec.dtype];
    if (bytesPerValue === undefined) {
      throw new UnsupportedModelError(`Weight ${spec.name} has dtype ${spec.dtype}, which cannot be quantized or copied by size.`);
    }
    const size = spec.shape.reduce((product, dimension) => product * dimension, 1);
    const byteLength = size * bytesPerValue;
    if (offset + byteLength > artifacts.weightData.byteLength) {
      throw new UnsupportedModelError(
        `Weight ${spec.name} needs bytes ${offset} to ${offset + byteLength}, but the weight data has ${artifacts.weightData.byteLength}.`,
      );
    }
    if (spec.dtype !== 'float32') {
      parts.push(new Uint8Array(artifacts.weightData.slice(offset, offset + byteLength)));
      weightSpecs.push({ ...spec });
      offset += byteLength;
      continue;
    }

    const values = new Float32Array(artifacts.weightData.slice(offset, offset + byteLength));
    offset += byteLength;
    if (dtype === 'float16') {
      parts.push(encodeFloat16(values));
      weightSpecs.push({ ...spec, quantization: { dtype: 'float16' } });
    } else {
      const { codes, parameters } = encodeUint8(values);
      parts.push(codes);
      weightSpecs.push({ ...spec, quantization: { dtype: 'uint8', ...parameters } });
    }
  }

  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const weightData = new Uint8Array(total);
  let position = 0;
  for (const part of parts) {
    weightData.set(part, position);
    position += part.byteLength;
  }
  return { weightSpecs, weightData: weightData.buffer };
}

/** Encodes float32 values as little-endian IEEE 754 half floats, rounding to nearest even. */
export function encodeFloat16(values: Float32Array): Uint8Array {
  const bytes = new Uint8Array(values.length * 2);
  const view = new DataView(bytes.buffer);
  values.forEach((value, i) => setFloat16(view, i * 2, value, true));
  return bytes;
}

/** Encodes float32 values as 8-bit affine codes, returning the codes and their parameters. */
export function encodeUint8(values: Float32Array): { codes: Uint8Array; parameters: AffineUint8Parameters } {
  let low = Infinity;
  let high = -Infinity;
  for (const value of values) {
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  const parameters = values.length === 0 ? { scale: 1, min: 0 } : chooseUint8Parameters(low, high);
  const codes = new Uint8Array(values.length);
  values.forEach((value, i) => {
    codes[i] = Math.min(255, Math.max(0, Math.round((value - parameters.min) / parameters.scale)));
  });
  return { codes, parameters };
}
