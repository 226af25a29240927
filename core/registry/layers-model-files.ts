import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RegistryError } from './errors.js';

const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';

/** A written file and its SHA-256. */
export interface FileHash {
  name: string;
  sha256: string;
}

/** Returns the hex SHA-256 of a byte array. */
export function sha256Hex(bytes: Uint8Array): string {
  return crypto.createHash('sha256').update(bytes).digest('hex');
}

/**
 * Writes a model in the TensorFlow.js Layers format (`model.json` and one `weights.bin`)
 * into `dir`, which must exist, and returns the SHA-256 of each file. This works on every
 * backend, unlike `file://` saving, which needs tfjs-node.
 */
export async function saveLayersModel(model: tf.LayersModel, dir: string): Promise<FileHash[]> {
  let written: FileHash[] = [];
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(
        artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0),
      );
      const modelJson = {
        format: 'layers-model',
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
      };
      const modelBytes = new TextEncoder().encode(JSON.stringify(modelJson));
      await fs.writeFile(path.join(dir, MODEL_FILE), modelBytes);
      await fs.writeFile(path.join(dir, WEIGHTS_FILE), weights);
      written = [
        { name: MODEL_FILE, sha256: sha256Hex(modelBytes) },
        { name: WEIGHTS_FILE, sha256: sha256Hex(weights) },
      ];
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  return written;
}

/**
 * Reads a Layers-format model from `dir`, checking each file against `expected` hashes when
 * given, and builds it on the current backend.
 *
 * @throws RegistryError `model_files_invalid` naming the file when one is missing, unreadable,
 * altered (hash mismatch) or not a Layers model.
 */
export async function loadLayersModel(dir: string, expected?: FileHash[]): Promise<tf.LayersModel> {
  const modelBytes = await readModelFile(dir, MODEL_FILE, expected);
  let modelJson: {
    modelTopology?: object;
    weightsManifest?: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  try {
    modelJson = JSON.parse(new TextDecoder().decode(modelBytes));
  } catch (error) {
    throw invalid(dir, MODEL_FILE, 'is not valid JSON', error);
  }
  if (!modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw invalid(dir, MODEL_FILE, 'has no modelTopology or weightsManifest');
  }

  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const weightParts: ArrayBuffer[] = [];
  for (const group of modelJson.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const weightPath of group.paths) {
      const bytes = await readModelFile(dir, path.normalize(weightPath), expected);
      weightParts.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    }
  }

  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs,
        weightData: tf.io.concatenateArrayBuffers(weightParts),
      }),
    );
  } catch (error) {
    throw invalid(dir, MODEL_FILE, `cannot be built into a model (${(error as Error).message})`, error);
  }
}

async function readModelFile(dir: string, name: string, expected?: FileHash[]): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(path.join(dir, name));
  } catch (error) {
    throw invalid(dir, name, 'cannot be read', error);
  }
  const hash = expected?.find((file) => file.name === name);
  if (hash && sha256Hex(bytes) !== hash.sha256) {
    throw invalid(dir, name, `does not match its recorded SHA-256 ${hash.sha256}`);
  }
  return bytes;
}

function invalid(dir: string, name: string, fault: string, cause?: unknown): RegistryError {
  return new RegistryError(
    'model_files_invalid',
    `Model file ${path.join(dir, name)} ${fault}. Retrain the model (npm run train) or restore its folder.`,
    { cause },
  );
}
