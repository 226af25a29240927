import type { ChecksumTable } from '../data/fashion-mnist.js';
import type { ImageSet } from '../data/image-set.js';
import { loadDataset, type DatasetSplit, type DatasetSpec } from '../data/load-dataset.js';
import { silentLogger, type Logger } from '../logger.js';
import type { ModelMetadata } from '../registry/model-metadata.js';
import { UnsupportedModelError } from './errors.js';

/** The validation and test splits of the data a model was trained on. */
export interface ModelSplits {
  validation: ImageSet;
  test: ImageSet;
  /** SHA-256 of the loaded data; differs from the metadata's when the files changed since training. */
  sha256: string;
}

/** Options of {@link loadModelSplits}. */
export interface LoadModelSplitsArgs {
  env?: Readonly<Record<string, string | undefined>>;
  cwd?: string;
  /** Data set to load instead of the one named in the metadata. */
  dataset?: DatasetSpec;
  /** Fashion-MNIST checksums; defaults to the official ones, null skips the check (fixtures). */
  expectedChecksums?: ChecksumTable | null;
  logger?: Logger;
}

/**
 * Loads the data set named in a model's metadata and rebuilds its validation and test splits
 * with the recorded split seed and fractions, so the temperature is fitted on the same
 * validation images the model was selected on. Logs a warning when the data's SHA-256 differs
 * from the one recorded at training.
 *
 * @throws UnsupportedModelError for colour models, and when the metadata names an unknown data set
 *   and none is given.
 * @throws DatasetNotFoundError and DataError from the loaders.
 */
export async function loadModelSplits(metadata: ModelMetadata, args: LoadModelSplitsArgs = {}): Promise<ModelSplits> {
  const logger = args.logger ?? silentLogger;
  const spec = args.dataset ?? datasetOfModel(metadata);
  const { preprocessing, split } = metadata;
  if (preprocessing.channels !== 1) {
    throw new UnsupportedModelError(
      `Model ${metadata.version} takes ${preprocessing.channels}-channel images, but the quality report handles grayscale images only.`,
    );
  }
  const dataset = await loadDataset(spec, {
    env: args.env,
    cwd: args.cwd,
    input: { height: preprocessing.height, width: preprocessing.width, channels: 1 },
    splitSeed: split.seed,
    validationFraction: split.validationFraction,
    testFraction: split.testFraction,
    splitFile: split.file,
    expectedChecksums: args.expectedChecksums,
    logger,
  });
  if (dataset.sha256 !== metadata.dataset.sha256) {
    logger.warn(
      { modelVersion: metadata.version, expected: metadata.dataset.sha256, received: dataset.sha256 },
      'The data differs from the data the model was trained on, so its splits may differ too',
    );
  }
  const toImageSet = (part: DatasetSplit): ImageSet => ({ images: part.images, labels: part.labels, count: part.count, height: dataset.height, width: dataset.width });
  return { validation: toImageSet(dataset.validation), test: toImageSet(dataset.test), sha256: dataset.sha256 };
}

function datasetOfModel(metadata: ModelMetadata): DatasetSpec {
  if (metadata.dataset.id === 'fashion-mnist') return { kind: 'fashion-mnist' };
  if (metadata.dataset.id.startsWith('folder:')) return { kind: 'folder', root: metadata.dataset.id.slice('folder:'.length) };
  throw new UnsupportedModelError(
    `Model ${metadata.version} was trained on the data set "${metadata.dataset.id}", which cannot be loaded here: pass --dataset.`,
  );
}
