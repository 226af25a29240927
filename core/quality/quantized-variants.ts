import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { ImageSet } from '../data/image-set.js';
import { computeClassificationMetrics } from '../evaluation/metrics.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import type { ExtraModelFile, ModelRegistry, NewModelMetadata } from '../registry/model-registry.js';
import { predictProbabilities } from '../serving/predict-probabilities.js';
import { UnsupportedModelError } from './errors.js';
import { quantizeWeights, type QuantizationDtype, type WeightArtifacts } from './quantize-weights.js';

/** Options of {@link registerQuantizedVariant}. */
export interface RegisterQuantizedVariantArgs {
  registry: ModelRegistry;
  /** Version to quantize, or `production`. */
  version: string;
  dtype: QuantizationDtype;
  /** The validation split the parent was selected on; the variant's validation metrics are measured on it. */
  validation: ImageSet;
  logger?: Logger;
}

/**
 * Quantizes a registered float32 model's weights to `dtype` and registers the result as a new
 * candidate version whose metadata names its `parentVersion` and `quantization`. The
 * variant's validation metrics are measured again on the dequantized weights. The other
 * metadata (data set, split, preprocessing, training history) is the parent's, and so are the
 * parent's other files, such as the reference profile for drift monitoring, which are copied.
 * Returns the new version's metadata.
 *
 * @throws UnsupportedModelError when the version is itself quantized.
 * @throws RegistryError and ModelNotFoundError from the registry.
 */
export async function registerQuantizedVariant(args: RegisterQuantizedVariantArgs): Promise<ModelMetadata> {
  const logger = (args.logger ?? silentLogger).child({ component: 'quantization' });
  const { model, metadata: parent } = await args.registry.load(args.version);
  try {
    if (parent.quantization) {
      throw new UnsupportedModelError(
        `Version ${parent.version} is already quantized to ${parent.quantization.dtype}: quantize its parent ${parent.parentVersion ?? 'version'} instead.`,
      );
    }

    const artifacts = await captureArtifacts(model);
    const quantized = quantizeWeights({ weightSpecs: artifacts.weightSpecs ?? [], weightData: joinWeightData(artifacts) }, args.dtype);
    const validationMetrics = await evaluateQuantized(artifacts, quantized, parent, args.validation);

    const { version: _version, createdAt: _createdAt, files: _files, calibration: _calibration, ...inherited } = parent;
    const metadata: NewModelMetadata = {
      ...inherited,
      metrics: { ...parent.metrics, validation: validationMetrics },
      parentVersion: parent.version,
      quantization: { dtype: args.dtype, originalWeightBytes: joinWeightData(artifacts).byteLength },
    };
    const registered = await args.registry.register(artifactModel({ ...artifacts, ...quantized }), metadata, readExtraFiles(args.registry, parent));
    logger.info(
      {
        modelVersion: registered.version,
        parentVersion: parent.version,
        dtype: args.dtype,
        weightBytes: quantized.weightData.byteLength,
        originalWeightBytes: metadata.quantization?.originalWeightBytes,
        validationAccuracy: validationMetrics.accuracy,
      },
      'quantized model registered',
    );
    return registered;
  } finally {
    model.dispose();
  }
}

/** Returns a model's topology, weight specs and weight bytes as `model.save` would write them. */
export async function captureArtifacts(model: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let captured: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return captured as tf.io.ModelArtifacts;
}

/** Reads the parent's files other than the model itself, to copy them into the variant. */
function readExtraFiles(registry: ModelRegistry, parent: ModelMetadata): ExtraModelFile[] {
  return parent.files
    .filter((file) => file.name !== 'model.json' && file.name !== 'weights.bin')
    .map((file) => ({ name: file.name, content: fs.readFileSync(path.join(registry.root, parent.version, file.name)) }));
}

function joinWeightData(artifacts: tf.io.ModelArtifacts): ArrayBuffer {
  return artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
}

async function evaluateQuantized(
  artifacts: tf.io.ModelArtifacts,
  quantized: WeightArtifacts,
  parent: ModelMetadata,
  validation: ImageSet,
): Promise<ModelMetadata['metrics']['validation']> {
  // The same decoding path as ModelRegistry.load, which hands the specs to tf.io.fromMemory.
  const dequantized = await tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: quantized.weightSpecs, weightData: quantized.weightData }),
  );
  try {
    const probabilities = await predictProbabilities(dequantized, validation.images, validation.count, parent.preprocessing);
    const metrics = computeClassificationMetrics(probabilities, validation.labels, parent.classNames);
    return { accuracy: metrics.accuracy, macroF1: metrics.macroF1, logLoss: metrics.logLoss, count: metrics.count };
  } finally {
    dequantized.dispose();
  }
}

/**
 * Wraps prepared artifacts in the one method that ModelRegistry.register uses: it saves a
 * model by calling `save` with a TensorFlow.js save handler, so the handler receives these
 * artifacts and writes the quantized bytes unchanged.
 * NOTE: this relies on register needing nothing from the model but `save`; the round-trip test
 * of quantized registration fails if that changes.
 */
function artifactModel(artifacts: tf.io.ModelArtifacts): tf.LayersModel {
  const model = {
    save: async (handler: tf.io.IOHandler) => {
      if (!handler.save) throw new UnsupportedModelError('The registry passed a save handler without a save method.');
      return handler.save(artifacts);
    },
  };
  return model as unknown as tf.LayersModel;
}
