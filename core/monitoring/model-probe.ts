import * as tf from '@tensorflow/tfjs';
import { pixelsToTensor, type PreprocessingParams } from '../features/preprocessing.js';
import { MonitoringError } from './errors.js';

/** Penultimate-layer embeddings and class probabilities of a batch of images. */
export interface ProbeOutput {
  count: number;
  /** Units of the layer that feeds the classifier head. */
  embeddingSize: number;
  classCount: number;
  /** `count * embeddingSize` values, row-major. */
  embeddings: Float32Array;
  /** `count * classCount` values, row-major. */
  probabilities: Float32Array;
}

const probes = new WeakMap<tf.LayersModel, tf.LayersModel>();

/**
 * Runs a model once over `count` images (8-bit pixels) and returns both its class
 * probabilities and the input of its last layer: the penultimate-layer embedding that drift
 * tests and the out-of-distribution detector compare. Runs in batches of `batchSize` (default
 * 256); no tensor outlives the call. The two-output model shares the weights and is cached per
 * model.
 *
 * @throws MonitoringError `unsupported_model` when the model has no layer before its output.
 */
export async function probeModel(model: tf.LayersModel, pixels: Uint8Array, count: number, params: PreprocessingParams, batchSize = 256): Promise<ProbeOutput> {
  const probe = probeOf(model);
  const [embeddingShape, probabilityShape] = probe.outputs.map((output) => output.shape);
  const embeddingSize = embeddingShape?.[1] as number;
  const classCount = probabilityShape?.[1] as number;
  const imageSize = params.height * params.width * params.channels;
  const embeddings = new Float32Array(count * embeddingSize);
  const probabilities = new Float32Array(count * classCount);
  // A window may hold no prediction of the serving model (all from a rollout's other version).
  if (count === 0) return { count, embeddingSize, classCount, embeddings, probabilities };

  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const outputs = tf.tidy(() => probe.predict(pixelsToTensor(pixels.subarray(start * imageSize, end * imageSize), end - start, params)) as tf.Tensor[]);
    try {
      embeddings.set((await outputs[0]!.data()) as Float32Array, start * embeddingSize);
      probabilities.set((await outputs[1]!.data()) as Float32Array, start * classCount);
    } finally {
      tf.dispose(outputs);
    }
  }
  return { count, embeddingSize, classCount, embeddings, probabilities };
}

function probeOf(model: tf.LayersModel): tf.LayersModel {
  const cached = probes.get(model);
  if (cached) return cached;

  // The input of the node that produced this model's output. A head layer shared with another
  // model (such as a flip-averaging wrapper) has one node per model, so `head.input` is ambiguous.
  const output = model.outputs[0];
  const penultimate = output ? output.sourceLayer.inboundNodes[output.nodeIndex]?.inputTensors : undefined;
  if (!penultimate || penultimate.length !== 1 || penultimate[0]!.shape.length !== 2) {
    throw new MonitoringError('unsupported_model', `Model "${model.name}" has no flat layer before its output, so no embedding can be read for drift tests.`);
  }
  const probe = tf.model({ inputs: model.inputs, outputs: [penultimate[0]!, output!] });
  probes.set(model, probe);
  return probe;
}

/** Returns row `index` of a row-major matrix as a view. */
export function rowOf(values: Float32Array, index: number, width: number): Float32Array {
  return values.subarray(index * width, (index + 1) * width);
}
